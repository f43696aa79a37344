import ArgumentParser
import Runtime

/// `keyflow validate AGENT`: every problem at once, with component, title and JSON path.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check an agent file and list every problem.",
        discussion: "Exits 0 when the agent can run, 1 when it has problems.")
    @Argument(help: "The .smyth agent file.") var agent: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let loaded: Agent
        do { loaded = try AgentLoader.load(path: agent) } catch {
            if json {
                print(
                    JSONOutput.object([
                        ("valid", .bool(false)),
                        (
                            "problems",
                            .array(
                                error.problems.map {
                                    .object([
                                        ("path", .string($0.path)),
                                        ("component", $0.componentID.map(JSONOutput.string) ?? .null),
                                        ("message", .string($0.message)),
                                    ])
                                })
                        ),
                    ]))
            } else {
                print(error.description)
            }
            throw ExitCode.failure
        }
        let issues = AgentValidator.validate(loaded)
        if json {
            print(
                JSONOutput.object([
                    ("valid", .bool(issues.isEmpty)),
                    ("components", .integer(loaded.components.count)),
                    ("connections", .integer(loaded.links.count)),
                    (
                        "problems",
                        .array(
                            issues.map { issue in
                                .object([
                                    ("path", .string(issue.path)),
                                    ("component", issue.componentID.map(JSONOutput.string) ?? .null),
                                    ("title", issue.title.map(JSONOutput.string) ?? .null),
                                    ("unsupported", .bool(issue.isUnsupported)),
                                    ("message", .string(issue.message)),
                                ])
                            })
                    ),
                ]))
        } else if issues.isEmpty {
            print("\(agent): ok (\(loaded.components.count) components, \(loaded.links.count) connections)")
        } else {
            for issue in issues { print("\(agent): \(issue)") }
            let unsupported = issues.filter(\.isUnsupported).count
            print(
                "\(issues.count) problem\(issues.count == 1 ? "" : "s")"
                    + (unsupported > 0
                        ? " (\(unsupported) unsupported component type\(unsupported == 1 ? "" : "s"))" : ""))
        }
        if !issues.isEmpty { throw ExitCode.failure }
    }
}
