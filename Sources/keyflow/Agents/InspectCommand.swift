import ArgumentParser
import Runtime
import Vault

/// `keyflow inspect AGENT`: for every APICall, what its OAuth section resolves to and the
/// choices the builder's dropdown would offer.
struct InspectCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show each APICall's OAuth section and its choices.")
    @Argument(help: "The .smyth agent file.") var agent: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let loaded: Agent
        do { loaded = try AgentLoader.load(path: agent) } catch { throw CLIError(error.description) }
        let vault = try await VaultSession.open(storeOptions)
        let inspection = try await VaultSession.run {
            try await AgentInspection(agent: loaded, agentID: AgentInspection.agentID(of: loaded), vault: vault)
        }
        if json {
            print(JSONWriter.string(inspection.json, pretty: true))
            return
        }
        guard !inspection.sections.isEmpty else {
            print("\(agent) has no APICall components.")
            return
        }
        for section in inspection.sections {
            print("\(section.componentID) “\(section.title)” \(section.method) \(section.url)")
            print("  OAuth: \(section.resolvesTo)")
            print("  Choices:")
            for choice in section.choices {
                let details = choice.kind.map { " (\($0), \(choice.status ?? ""))" } ?? ""
                print(
                    "    \(choice.id == "add_new" ? choice.name : "\(choice.id)  \(choice.name)\(details)")\(choice.badges.map { " [\($0)]" }.joined())"
                )
            }
        }
    }
}
