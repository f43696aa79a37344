import ArgumentParser
import Foundation
import Server
import Vault

/// `keyflow agents`: the agents `keyflow serve` keeps in the vault, per team, with revisions.
/// (`keyflow run FILE` runs files and needs none of this.)
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents", abstract: "Import, export and list the agents keyflow serve keeps for each team.",
        subcommands: [AgentsImportCommand.self, AgentsExportCommand.self, AgentsListCommand.self])

    /// The vault's agent store.
    static func store(_ storeOptions: StoreOptions) async throws -> any AgentStore {
        let vault = try await VaultSession.open(storeOptions)
        guard let store = vault.store as? any AgentStore else {
            throw CommandFailure("this vault's store keeps no agents")
        }
        return store
    }

    /// A team name as `keyflow users add` accepts it.
    static func team(_ team: String) throws -> String {
        guard !team.isEmpty, team.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) })
        else {
            throw CLIError("team \"\(team)\": use letters, digits, _, - and . only")
        }
        return team
    }
}

/// `keyflow agents list [--team T]`: the team's agents and their current revisions.
struct AgentsListCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List a team's agents with their current revision.")
    @Option(help: "The team.") var team: String = Vault.localTeam
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let team = try AgentsCommand.team(team)
        let store = try await AgentsCommand.store(storeOptions)
        let agents = try await VaultSession.run { () async throws -> [StoredAgent] in
            var agents: [StoredAgent] = []
            for name in try await store.agentNames(team: team) {
                if let agent = try await store.agent(team: team, name: name) { agents.append(agent) }
            }
            return agents
        }
        if json {
            print(
                JSONOutput.array(
                    agents.map { agent in
                        JSONOutput.object([
                            ("name", .string(agent.name)), ("version", .integer(Int(clamping: agent.version))),
                            ("changed_by", .string(agent.changedBy)),
                            ("changed_at", .string(Output.date(Date(timeIntervalSince1970: agent.changedAt)))),
                        ])
                    }))
        } else if agents.isEmpty {
            print("Team \(team) has no agents.")
        } else {
            print(
                Output.table(
                    ["NAME", "VERSION", "CHANGED BY", "CHANGED AT"],
                    agents.map { agent in
                        [
                            agent.name, String(agent.version), agent.changedBy,
                            Output.date(Date(timeIntervalSince1970: agent.changedAt)),
                        ]
                    }))
        }
    }
}
