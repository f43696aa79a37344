/// One problem found in an agent.
public struct ValidationIssue: Sendable, Equatable, CustomStringConvertible {
    /// The component type exists in SmythOS but this runtime does not run it.
    public var isUnsupported: Bool
    /// The id of the component the problem is in, if any.
    public var componentID: String?
    /// The title of that component, if any.
    public var title: String?
    /// The JSON path of the field (`components[3].data.url`).
    public var path: String
    /// What is wrong.
    public var message: String

    public var description: String {
        let name = [componentID, title.flatMap { $0.isEmpty ? nil : "“\($0)”" }].compactMap { $0 }.joined(
            separator: " ")
        return "\(path)\(name.isEmpty ? "" : " (\(name))"): \(message)"
    }
}

/// Cycle detection over the component graph (Kahn's algorithm, then the remaining nodes
/// are walked to name one cycle per strongly tangled group).
enum Cycles {
    static func find(in agent: Agent, components: [String: Int]) -> [[String]] {
        var successors: [String: [String]] = [:]
        var indegree: [String: Int] = Dictionary(uniqueKeysWithValues: components.keys.map { ($0, 0) })
        for link in agent.links where components[link.sourceID] != nil && components[link.targetID] != nil {
            successors[link.sourceID, default: []].append(link.targetID)
            indegree[link.targetID, default: 0] += 1
        }
        var queue = indegree.filter { $0.value == 0 }.map(\.key)
        while let node = queue.popLast() {
            for next in successors[node] ?? [] {
                indegree[next, default: 0] -= 1
                if indegree[next] == 0 { queue.append(next) }
            }
        }
        var remaining = Set(indegree.filter { $0.value > 0 }.map(\.key))
        var cycles: [[String]] = []
        let order = agent.components.map(\.id)
        while let start = order.first(where: remaining.contains) {
            // Walk successors inside the remaining set until a node repeats.
            var path: [String] = []
            var position: [String: Int] = [:]
            var node = start
            while position[node] == nil {
                position[node] = path.count
                path.append(node)
                guard let next = (successors[node] ?? []).first(where: remaining.contains) else { break }
                node = next
            }
            if let loopStart = position[node], path.count > loopStart,
                (successors[path.last ?? ""] ?? []).contains(node)
            {
                cycles.append(Array(path[loopStart...]))
            }
            remaining.subtract(path)
        }
        return cycles
    }
}
