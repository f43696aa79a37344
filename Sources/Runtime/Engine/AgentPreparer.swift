/// Builds the runners of an agent that passed validation: templates are parsed here, once,
/// not on every run.
public enum AgentPreparer {
    /// Builds a runner for every component, with `connections` (APICall id → vault connection id) from pre-flight; every problem is reported together.
    public static func prepare(_ agent: Agent, connections: [String: String] = [:]) throws(PrepareError)
        -> PreparedAgent
    {
        // By component number, as the prepared agent keeps them: no dictionary by id.
        let numbering = PreparedAgent.Numbering(agent)
        var runners = [(any ComponentRunner)?](repeating: nil, count: numbering.components.count)
        var timeouts = [Duration?](repeating: nil, count: numbering.components.count)
        var problems: [String] = []
        let behavior = AgentInspection.behavior(of: agent)
        let agentID = AgentInspection.agentID(of: agent)
        // A repeated id (an agent that failed validation) gets the runner of its first component
        // whose runner could be built, as when runners were kept by id.
        let unique = numbering.components.count == agent.components.count
        for (position, component) in agent.components.enumerated() {
            guard let number = unique ? position : numbering.numbers[component.id], runners[number] == nil else {
                continue
            }
            do {
                runners[number] = try ComponentRegistry.runner(
                    for: component, connectionID: connections.isEmpty ? nil : connections[component.id],
                    behavior: behavior, agentID: agentID)
            } catch {
                problems.append("\(component.jsonPath) (\(component.label)): \(error)")
            }
            if let seconds = component.data["timeout"].flatMap({ SafeNumbers.finite(Template.text(of: $0)) }),
                seconds > 0
            {
                // One second more, so the request's own timeout fires first.
                timeouts[number] = SafeNumbers.duration(seconds: seconds) + .seconds(1)
            }
        }
        if !problems.isEmpty { throw PrepareError(problems: problems) }
        return PreparedAgent(agent: agent, numbering: numbering, runners: runners, timeouts: timeouts)
    }
}
