import Runtime

/// AgentLoader.parse then AgentValidator.validate, as `keyflow run` and the server do with
/// an uploaded `.smyth` file.
enum AgentTarget {
    static func run(_ bytes: [UInt8]) {
        guard let agent = try? AgentLoader.parse(bytes, source: "fuzz.smyth") else { return }
        let issues = AgentValidator.validate(agent)
        // Validation is a pure function of the agent.
        require(AgentValidator.validate(agent).count == issues.count, "validation is not deterministic")
    }
}
