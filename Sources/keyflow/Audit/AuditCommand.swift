import ArgumentParser
import Foundation
import Vault

/// `keyflow audit`: who used which connection, when, from which agent, against which host.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read, verify and prune the audit trail.",
        discussion: """
            Every use of a credential and every change to a connection is recorded per team, in
            a chain of records each MACed under a key derived from the master key: someone who
            can write to the database but has no master key cannot edit, delete or insert a
            record without `keyflow audit verify` finding it. Values (secrets, tokens, query
            strings) are never recorded.
            """,
        subcommands: [AuditListCommand.self, AuditVerifyCommand.self, AuditPruneCommand.self],
        defaultSubcommand: AuditListCommand.self)
}

/// `keyflow audit [list]`: the team's records, newest first.
struct AuditListCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Show the team's audit records, newest first.")
    @Option(help: "Only this connection's records (its id).") var connection: String?
    @Option(help: "Only records since TIME: ISO 8601 (2026-05-01T12:00:00Z) or an age (24h, 7d).")
    var since: String?
    @Option(help: "At most N records (1-1000).") var limit: Int = 50
    @Option(help: "Only records older than this sequence (the next page).") var before: Int64?
    @Option(help: "The team.") var team: String = Vault.localTeam
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let since = try since.map { text in
            guard let time = AuditTime.parse(text) else {
                throw CLIError("--since \(text): use ISO 8601 (2026-05-01T12:00:00Z) or an age like 24h or 7d")
            }
            return time
        }
        guard (1...AuditQuery.maximumLimit).contains(limit) else {
            throw CLIError("--limit must be between 1 and \(AuditQuery.maximumLimit)")
        }
        let vault = try await VaultSession.open(storeOptions).forTeam(team)
        let records = try await VaultSession.run {
            try await vault.auditRecords(connection: connection, since: since, before: before, limit: limit)
        }
        if json {
            print(JSONOutput.array(records.map(AuditPresenter.json)))
        } else if records.isEmpty {
            print("No audit records\(connection.map { " for connection \($0)" } ?? "") in team \(team).")
        } else {
            print(AuditPresenter.table(records))
            if records.count == limit, let last = records.last {
                Output.note("more records may follow: --before \(last.sequence)")
            }
        }
    }
}

/// `keyflow audit verify`: recomputes every chain.
struct AuditVerifyCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Recompute every team's audit chain and check it.",
        discussion: """
            Finds an edited record, a deleted record (a gap in the sequence), a deleted tail (the
            head row counts further) and a MAC not made with the chain key. Prints each chain's
            head sequence and MAC prefix: note them elsewhere, since someone who restores an
            older head row together with the records it names can only be caught against a head
            noted outside the database. Exits 1 naming the team and first bad sequence.
            """)
    @Option(help: "Only this team (default: every team with a chain).") var team: String?

    func run() async throws {
        let vault = try await VaultSession.open(storeOptions)
        let results = try await VaultSession.run {
            try await vault.verifyAudit(teams: team.map { [$0] })
        }
        if results.isEmpty { print("No audit chains\(team.map { " for team \($0)" } ?? "").") }
        for result in results {
            if let problem = result.problem {
                print("team \(result.team): BROKEN at sequence \(problem.sequence): \(problem.detail)")
            } else {
                let head = result.head
                let start = head?.checkpoint.map { "from checkpoint \($0.sequence)" } ?? "from sequence 1"
                print(
                    "team \(result.team): ok, \(result.records) records \(start); head \(head?.sequence ?? 0) mac \(head?.macPrefix ?? "-")"
                )
            }
        }
        if let broken = results.first(where: { $0.problem != nil }), let problem = broken.problem {
            throw CommandFailure(
                "the audit chain of team \(problem.team) is broken at sequence \(problem.sequence) (\(problem.kind.rawValue))"
            )
        }
    }
}

/// `keyflow audit prune --before TIME`: deletes old records, leaving signed checkpoints.
struct AuditPruneCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Delete audit records older than TIME, leaving a signed checkpoint.",
        discussion: """
            The records to delete are verified first (a prune never vouches for an edited record);
            the last one deleted becomes the team's checkpoint, from which `audit verify` goes on.
            `keyflow serve --audit-retention 90d` does this on its own.
            """)
    @Option(help: "Delete records older than TIME: ISO 8601 or an age (90d).") var before: String
    @Option(help: "Only this team (default: every team).") var team: String?

    func run() async throws {
        guard let time = AuditTime.parse(before) else {
            throw CLIError("--before \(before): use ISO 8601 (2026-05-01T12:00:00Z) or an age like 90d")
        }
        let vault = try await VaultSession.open(storeOptions)
        let results = try await VaultSession.run {
            try await vault.pruneAudit(before: time, teams: team.map { [$0] })
        }
        for result in results {
            if let checkpoint = result.checkpoint, result.deleted > 0 {
                print(
                    "team \(result.team): deleted \(result.deleted) records before \(AuditTime.format(time)); checkpoint at sequence \(checkpoint.sequence)"
                )
            } else {
                print("team \(result.team): nothing to delete")
            }
        }
    }
}
