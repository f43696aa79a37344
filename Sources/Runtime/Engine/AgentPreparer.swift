/// Builds the runners of an agent that passed validation: templates are parsed here, once,
/// not on every run.
public enum AgentPreparer {
    /// Builds a runner for every component, with `connections` (APICall id → vault connection id) from pre-flight; every problem is reported together.
    public static func prepare(_ agent: Agent, connections: [String: String] = [:]) throws(PrepareError)
        -> PreparedAgent
    {
        var runners: [String: any ComponentRunner] = [:]
        var timeouts: [String: Duration] = [:]
        var problems: [String] = []
        let behavior = AgentInspection.behavior(of: agent)
        let agentID = AgentInspection.agentID(of: agent)
        for component in agent.components where runners[component.id] == nil {
            do {
                runners[component.id] = try ComponentRegistry.runner(
                    for: component, connectionID: connections[component.id], behavior: behavior, agentID: agentID)
            } catch {
                problems.append("\(component.jsonPath) (\(component.label)): \(error)")
            }
            if let seconds = component.data["timeout"].flatMap({ SafeNumbers.finite(Template.text(of: $0)) }),
                seconds > 0
            {
                // One second more, so the request's own timeout fires first.
                timeouts[component.id] = SafeNumbers.duration(seconds: seconds) + .seconds(1)
            }
        }
        if !problems.isEmpty { throw PrepareError(problems: problems) }
        return PreparedAgent(agent: agent, runners: runners, timeouts: timeouts)
    }
}
