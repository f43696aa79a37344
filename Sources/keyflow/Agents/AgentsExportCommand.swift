import ArgumentParser
import Foundation
import Server
import Vault

/// `keyflow agents export DIR [--team T]`: writes the team's current agents as NAME.smyth files.
struct AgentsExportCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a team's agents to a folder as NAME.smyth files.",
        discussion: "Files of the same names in the folder are replaced; other files are left alone.")
    @Argument(help: "The folder to write to (created if missing).") var directory: String
    @Option(help: "The team.") var team: String = Vault.localTeam

    func run() async throws {
        let team = try AgentsCommand.team(team)
        let store = try await AgentsCommand.store(storeOptions)
        let folder = URL(fileURLWithPath: directory)
        let written = try await VaultSession.run { () async throws -> Int in
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var written = 0
            for name in try await store.agentNames(team: team) {
                // Stored names were checked when saved; checked again since they become file names.
                guard AgentLibrary.name(name) == name, let agent = try await store.agent(team: team, name: name) else {
                    Output.warn("\(name): not a file name; not exported")
                    continue
                }
                let file = folder.appendingPathComponent(name + ".smyth")
                try agent.body.write(to: file, options: .atomic)
                Output.line("wrote \(file.path) (revision \(agent.version))")
                written += 1
            }
            return written
        }
        Output.line("Team \(team): \(written) agents exported.")
    }
}
