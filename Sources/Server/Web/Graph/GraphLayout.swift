import Runtime

/// Where each component of the graph goes and how big it is. Components stand where Studio
/// put them (`left`/`top`, shifted so the leftmost and topmost start at the margin) when
/// every one has a position; otherwise all are laid out in columns by the flow
/// (`LayeredOrder`), since a drawing half from the file and half made up would mislead.
/// Coordinates are whole pixels from clamped positions, so no conversion can trap.
struct GraphLayout {
    /// One component's box and the ports drawn in it.
    struct Node {
        var component: Component
        var x: Int
        var y: Int
        var height: Int
        /// The inputs drawn, in the file's order; the rest are summed up as "+N more".
        var inputs: [Port]
        var moreInputs: Int
        var outputs: [Port]
        var moreOutputs: Int
        /// The first port row's distance from the top of the box.
        var portsOffset: Int

        /// Where a connection leaves this node: on the right edge, at its output's row (or at
        /// the "+N more" row, or the title when the port is unknown).
        func outputAnchor(_ reference: PortReference) -> (x: Int, y: Int) {
            (x + GraphLayout.nodeWidth, rowY(component.output(reference), in: outputs, more: moreOutputs))
        }

        /// Where a connection arrives: on the left edge, at its input's row.
        func inputAnchor(_ reference: PortReference) -> (x: Int, y: Int) {
            (x, rowY(component.input(reference), in: inputs, more: moreInputs))
        }

        /// The middle of port row `row`.
        func rowMiddle(_ row: Int) -> Int { y + portsOffset + row * GraphLayout.portRow + GraphLayout.portRow / 2 }

        private func rowY(_ port: Port?, in drawn: [Port], more: Int) -> Int {
            guard let port else { return y + GraphLayout.headerHeight / 2 }
            if let row = drawn.firstIndex(of: port) { return rowMiddle(row) }
            return more > 0 ? rowMiddle(drawn.count) : y + GraphLayout.headerHeight / 2
        }
    }

    static let nodeWidth = 220
    static let headerHeight = 42
    static let badgeRow = 20
    static let portRow = 16
    static let outcomeRow = 20
    static let padding = 8
    static let margin = 20
    /// Ports drawn per side; a component with more shows "+N more" (an endpoint may have dozens).
    static let portsShown = 8
    /// Space between columns, and between components in a column, when laid out by the flow.
    static let columnGap = 80
    static let rowGap = 30

    var nodes: [Node]
    /// The index in `nodes` of each component id (the first, should ids repeat).
    var index: [String: Int]
    var width: Int
    var height: Int
    /// Whether the positions are Studio's.
    var fromCanvas: Bool

    /// - Parameters:
    ///   - badged: the components that carry an OAuth badge (a row of their own).
    ///   - withOutcomes: whether every node has an outcome row.
    init(agent: Agent, badged: Set<String>, withOutcomes: Bool) {
        var nodes: [Node] = []
        nodes.reserveCapacity(agent.components.count)
        for component in agent.components {
            let inputs = Array(component.inputs.prefix(Self.portsShown))
            let outputs = Array(component.outputs.prefix(Self.portsShown))
            let moreInputs = component.inputs.count - inputs.count
            let moreOutputs = component.outputs.count - outputs.count
            let rows = max(inputs.count + (moreInputs > 0 ? 1 : 0), outputs.count + (moreOutputs > 0 ? 1 : 0))
            let portsOffset = Self.headerHeight + (badged.contains(component.id) ? Self.badgeRow : 0)
            let height = portsOffset + rows * Self.portRow + (withOutcomes ? Self.outcomeRow : 0) + Self.padding
            nodes.append(
                Node(
                    component: component, x: 0, y: 0, height: height, inputs: inputs, moreInputs: moreInputs,
                    outputs: outputs, moreOutputs: moreOutputs, portsOffset: portsOffset))
        }
        let positions = agent.components.compactMap(\.canvas)
        fromCanvas = !positions.isEmpty && positions.count == agent.components.count
        if fromCanvas {
            let left = positions.map(\.left).min() ?? 0
            let top = positions.map(\.top).min() ?? 0
            for (position, canvas) in positions.enumerated() {
                // Both differences are at most twice CanvasPosition.limit.
                nodes[position].x = Self.margin + Int((canvas.left - left).rounded())
                nodes[position].y = Self.margin + Int((canvas.top - top).rounded())
            }
        } else {
            var columnBottom: [Int: Int] = [:]
            for (position, column) in LayeredOrder.columns(of: agent).enumerated() {
                let y = columnBottom[column] ?? Self.margin
                nodes[position].x = Self.margin + column * (Self.nodeWidth + Self.columnGap)
                nodes[position].y = y
                columnBottom[column] = y + nodes[position].height + Self.rowGap
            }
        }
        var index: [String: Int] = [:]
        for (position, node) in nodes.enumerated() where index[node.component.id] == nil {
            index[node.component.id] = position
        }
        self.nodes = nodes
        self.index = index
        width = (nodes.map { $0.x + Self.nodeWidth }.max() ?? 0) + Self.margin
        height = (nodes.map { $0.y + $0.height }.max() ?? 0) + Self.margin
    }
}
