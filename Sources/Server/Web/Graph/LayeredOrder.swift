import Runtime

/// Columns for an agent whose file says nothing about where its components go: each
/// component one column right of the furthest component feeding it, so the flow reads left
/// to right as in Studio. Components in a cycle (which the validator refuses, but a drawing
/// must still show) go one column right of whatever feeds them that has a column already.
/// Linear in components and connections.
enum LayeredOrder {
    /// The column of each component, by its index in `agent.components`.
    static func columns(of agent: Agent) -> [Int] {
        var index: [String: Int] = [:]
        for (position, component) in agent.components.enumerated() where index[component.id] == nil {
            index[component.id] = position
        }
        let count = agent.components.count
        var outgoing = [[Int]](repeating: [], count: count)
        var incoming = [[Int]](repeating: [], count: count)
        var waiting = [Int](repeating: 0, count: count)
        var seen = Set<[Int]>()
        for link in agent.links {
            guard let from = index[link.sourceID], let to = index[link.targetID], from != to,
                seen.insert([from, to]).inserted
            else { continue }
            outgoing[from].append(to)
            incoming[to].append(from)
            waiting[to] += 1
        }
        var column = [Int?](repeating: nil, count: count)
        var ready = (0..<count).filter { waiting[$0] == 0 }
        var next = 0
        func place(_ node: Int) {
            column[node] = incoming[node].compactMap { column[$0] }.max().map { $0 + 1 } ?? 0
        }
        // Kahn's order: a component is placed once everything feeding it is.
        var placed = 0
        var scan = 0
        while placed < count {
            if next == ready.count {
                // Only cycles are left: place the first unplaced component and go on from it.
                while scan < count, column[scan] != nil { scan += 1 }
                guard scan < count else { break }
                ready.append(scan)
            }
            let node = ready[next]
            next += 1
            guard column[node] == nil else { continue }
            place(node)
            placed += 1
            for target in outgoing[node] where column[target] == nil {
                waiting[target] -= 1
                if waiting[target] == 0 { ready.append(target) }
            }
        }
        return column.map { $0 ?? 0 }
    }
}
