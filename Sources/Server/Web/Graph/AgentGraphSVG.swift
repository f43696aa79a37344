import Runtime

/// The agent as a picture, drawn on the server: a box per component (where Studio put it, or
/// laid out by the flow), an arrow per connection from its output port to its input port, an
/// APICall's OAuth badge, and after a run each component coloured by how it went, with its
/// time. People read a graph faster than a list. The SVG has no script and no `style`
/// attribute (the pages' policy allows neither): keyflow.css styles it through classes.
/// Every text in it goes through `XMLText`, since names come from agent authors.
struct AgentGraphSVG {
    /// Beyond this many components the graph is left out: the page would be huge and unreadable.
    static let maxComponents = 200
    /// Beyond this many connections, likewise.
    static let maxConnections = 800

    /// The title the page gives the agent, for the picture's label.
    let title: String
    let agent: Agent
    let badges: [String: OAuthBadge]
    /// A run's outcomes, nil before any run.
    let outcomes: GraphOutcomes?

    /// The markup the page shows: the `<svg>`, or a line saying why there is none.
    var html: String {
        if agent.components.count > Self.maxComponents {
            return omitted("\(agent.components.count) components (more than \(Self.maxComponents))")
        }
        if agent.links.count > Self.maxConnections {
            return omitted("\(agent.links.count) connections (more than \(Self.maxConnections))")
        }
        guard !agent.components.isEmpty else { return "<p class=\"graph-omitted\">This agent has no components.</p>" }
        let layout = GraphLayout(agent: agent, badged: Set(badges.keys), withOutcomes: outcomes != nil)
        var label = "Graph of \(title): \(agent.components.count) components, \(agent.links.count) connections"
        if outcomes != nil { label += ", coloured by the run's outcome" }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"agent-graph\" role=\"img\""
        svg += " aria-label=\"\(XMLText.cut(label, 300))\" viewBox=\"0 0 \(layout.width) \(layout.height)\""
        svg += " width=\"\(layout.width)\" height=\"\(layout.height)\">"
        // A marker does not take its path's colour, so a taken edge has an arrowhead of its own.
        svg += "<defs>" + Self.arrowhead("graph-arrow") + Self.arrowhead("graph-arrow-taken") + "</defs>"
        svg += "<g class=\"edges\">"
        for link in agent.links { svg += edge(link, layout) }
        svg += "</g>"
        for node in layout.nodes { svg += self.node(node) }
        return svg + "</svg>"
    }

    private static func arrowhead(_ id: String) -> String {
        "<marker id=\"\(id)\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" "
            + "orient=\"auto\"><path class=\"\(id)-head\" d=\"M0,0 L8,4 L0,8 z\"/></marker>"
    }

    private func omitted(_ what: String) -> String {
        "<p class=\"graph-omitted\" id=\"graph-omitted\">Graph omitted: \(XMLText.escaped(what)).</p>"
    }

    /// One connection: a curve from the source's output row to the target's input row.
    private func edge(_ link: Link, _ layout: GraphLayout) -> String {
        guard let from = layout.index[link.sourceID], let to = layout.index[link.targetID] else { return "" }
        let source = layout.nodes[from]
        let target = layout.nodes[to]
        let start = source.outputAnchor(link.source)
        let end = target.inputAnchor(link.target)
        let bend = max(40, abs(end.x - start.x) / 2)
        var (classes, marker) = ("edge", "graph-arrow")
        if let outcomes, outcomes.byComponent[link.sourceID]?.state == .ok,
            let reached = outcomes.byComponent[link.targetID]?.state, reached == .ok || reached == .failed
        {
            (classes, marker) = ("edge edge-taken", "graph-arrow-taken")
        }
        let out = source.component.output(link.source)?.name ?? link.source.description
        let into = target.component.input(link.target)?.name ?? link.target.description
        let words = "\(source.component.label) \(out) → \(target.component.label) \(into)"
        return "<path class=\"\(classes)\" d=\"M\(start.x),\(start.y) C\(start.x + bend),\(start.y) "
            + "\(end.x - bend),\(end.y) \(end.x),\(end.y)\" marker-end=\"url(#\(marker))\">"
            + "<title>\(XMLText.cut(words, 300))</title></path>"
    }

    /// One component: its box, title, type and id, badge, ports and outcome.
    private func node(_ node: GraphLayout.Node) -> String {
        let component = node.component
        let (x, y) = (node.x, node.y)
        let width = GraphLayout.nodeWidth
        let outcome = outcomes?.byComponent[component.id]
        let badge = badges[component.id]
        var classes = "node"
        if let outcome { classes += " " + outcome.state.cssClass }
        var tooltip = "\(component.label) — \(component.type)"
        if let badge { tooltip += ", OAuth: \(badge.text)" }
        if let outcome { tooltip += ", \(outcome.summary)" }
        var svg = "<g class=\"\(classes)\" data-component=\"\(XMLText.cut(component.id, 200))\">"
        svg += "<title>\(XMLText.cut(tooltip, 300))</title>"
        svg += "<rect class=\"node-box\" x=\"\(x)\" y=\"\(y)\" width=\"\(width)\" height=\"\(node.height)\" rx=\"6\"/>"
        let name = component.title.isEmpty ? component.id : component.title
        svg += text("node-title", x + 10, y + 18, XMLText.cut(name, 26))
        svg += text("node-type", x + 10, y + 34, XMLText.cut("\(component.type) · \(component.id)", 34))
        if let badge {
            let words = XMLText.cut(badge.text, 26)
            let badgeWidth = min(width - 20, 16 + 7 * min(badge.text.count, 26))
            svg += "<g class=\"graph-badge badge-\(badge.kind.rawValue)\">"
            svg +=
                "<rect class=\"badge-box\" x=\"\(x + 10)\" y=\"\(y + 40)\" width=\"\(badgeWidth)\" height=\"16\" rx=\"8\"/>"
            svg += text("badge-text", x + 18, y + 52, words) + "</g>"
        }
        for (row, port) in node.inputs.enumerated() {
            let middle = node.rowMiddle(row)
            svg += "<circle class=\"port\" cx=\"\(x)\" cy=\"\(middle)\" r=\"3\"/>"
            svg += text("port-in", x + 8, middle + 4, XMLText.cut(port.name, 14))
        }
        if node.moreInputs > 0 {
            svg += text("port-more", x + 8, node.rowMiddle(node.inputs.count) + 4, "+\(node.moreInputs) more")
        }
        for (row, port) in node.outputs.enumerated() {
            let middle = node.rowMiddle(row)
            svg += "<circle class=\"port\" cx=\"\(x + width)\" cy=\"\(middle)\" r=\"3\"/>"
            svg += text("port-out", x + width - 8, middle + 4, XMLText.cut(port.name, 14))
        }
        if node.moreOutputs > 0 {
            svg += text(
                "port-out port-more", x + width - 8, node.rowMiddle(node.outputs.count) + 4,
                "+\(node.moreOutputs) more")
        }
        if let outcome {
            svg += text("node-outcome", x + 10, y + node.height - 10, XMLText.escaped(outcome.summary))
        }
        return svg + "</g>"
    }

    /// A `<text>` of class `classes` at (x, y); `escaped` is already XML text.
    private func text(_ classes: String, _ x: Int, _ y: Int, _ escaped: String) -> String {
        "<text class=\"\(classes)\" x=\"\(x)\" y=\"\(y)\">\(escaped)</text>"
    }
}
