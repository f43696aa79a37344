import ArgumentParser
import Foundation
import Server
import Vault

/// `keyflow agents import DIR --team T`: adds the folder's agents the team does not have yet.
struct AgentsImportCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Add a folder's NAME.smyth files to a team's agents (never overwrites).",
        discussion: """
            Agents the team already has are skipped, never overwritten. A file that cannot be read, \
            is not an agent name or does not parse is reported with its problem and skipped; the \
            command then exits 1, after importing the rest.
            """)
    @Argument(help: "The folder of .smyth files.") var directory: String
    @Option(help: "The team the agents are added to.") var team: String

    func run() async throws {
        let team = try AgentsCommand.team(team)
        let store = try await AgentsCommand.store(storeOptions)
        let report = try await VaultSession.run {
            try await AgentImport.run(
                directory: URL(fileURLWithPath: directory), team: team, store: store, changedBy: "import")
        }
        for name in report.added { Output.line("added    \(name)") }
        for name in report.skipped { Output.line("skipped  \(name) (the team already has it; not overwritten)") }
        for failure in report.failed { Output.warn("\(failure.file): \(failure.problem)") }
        Output.line(
            "Team \(team): \(report.added.count) added, \(report.skipped.count) skipped, \(report.failed.count) failed."
        )
        if !report.failed.isEmpty { throw ExitCode.failure }
    }
}
