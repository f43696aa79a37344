import Foundation
import GRDB
import TestSupport
import Testing
import Vault

/// `keyflow audit`, `audit verify`, `audit prune` and `vault rotate-key` as an operator runs
/// them, on a connection whose key is a canary: the trail records the create, the edit and the
/// use, and the canary appears in no record, no output and no byte of the audit tables.
@Suite(.serialized) struct AuditCLITests {
    static let canary = "sk-audit-cli-canary-77c1e9d04b"
    static let canary2 = "sk-audit-cli-canary-second-3a9f"

    static func run(_ home: TestHome, _ arguments: [String], stdin: String? = nil) async throws -> KeyflowCLI.Result {
        let environment = home.environment
        let result = try await blockingWork {
            try KeyflowCLI.run(arguments, stdin: stdin, environment: environment)
        }
        for canary in [canary, canary2] {
            #expect(
                !result.stdout.contains(canary) && !result.stderr.contains(canary),
                "the canary leaked from \(arguments.joined(separator: " "))")
        }
        return result
    }

    /// A connection with the canary key, edited to the second canary, used once.
    static func trail(_ home: TestHome) async throws -> (id: String, server: TinyHTTPServer) {
        let server = try TinyHTTPServer { _ in .response(status: 200, contentType: "application/json", body: "{}") }
        let added = try await run(
            home, ["vault", "add", "api-key", "--name", "Canary", "--api-key", "-", "--allowed-host", server.baseURL],
            stdin: canary + "\n")
        #expect(added.status == 0, "\(added.stderr)")
        let id = String(added.stdout.split(separator: "\n").first ?? "")
        let vault = try await home.open()
        try await vault.edit(id, input: ConnectionInput(text: ["apiKey": canary2]))
        await vault.events.flush()
        let tested = try await run(
            home, ["vault", "test", id, "--url", server.baseURL + "/v1/items?token=" + canary])
        #expect(tested.status == 0, "\(tested.stdout)\(tested.stderr)")
        return (id, server)
    }

    @Test func theTrailShowsWhoDidWhatAndNoValue() async throws {
        let home = try TestHome()
        let (id, server) = try await Self.trail(home)
        defer { server.stop() }
        let listed = try await Self.run(home, ["audit", "--connection", id])
        #expect(listed.status == 0, "\(listed.stderr)")
        for action in ["connection.create", "connection.edit", "credential.use"] {
            #expect(listed.stdout.contains(action), "\(action) missing: \(listed.stdout)")
        }
        #expect(listed.stdout.contains(server.baseURL + "/v1/items") && !listed.stdout.contains("token="))
        let json = try await Self.run(home, ["audit", "--json", "--since", "1h"])
        #expect(
            json.stdout.contains("\"action\": \"credential.use\"") && json.stdout.contains("\"path\": \"/v1/items\""))
        // No record holds a value: not in what the CLI prints, not in the table's bytes.
        let vault = try await home.open()
        let records = try await vault.auditRecords(limit: 1_000)
        #expect(records.count >= 3)
        for record in records {
            let text = String(describing: record.event)
            #expect(!text.contains(Self.canary) && !text.contains(Self.canary2) && !text.contains("token="))
        }
        let bytes = try home.vaultBytes()
        for canary in [Self.canary, Self.canary2] { #expect(bytes.range(of: Data(canary.utf8)) == nil) }

        let bad = try await Self.run(home, ["audit", "--since", "yesterday"])
        #expect(bad.status == 2 && bad.stderr.contains("--since"))
    }

    @Test func verifyPrintsTheHeadAndNamesTheFirstBadSequence() async throws {
        let home = try TestHome()
        let (_, server) = try await Self.trail(home)
        defer { server.stop() }
        let ok = try await Self.run(home, ["audit", "verify"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let line = try #require(ok.stdout.split(separator: "\n").first { $0.hasPrefix("team local: ok") })
        #expect(line.contains("head ") && line.contains(" mac "), "\(line)")

        let pool = try DatabasePool(path: home.home.vaultPath.path)
        try await pool.write { try $0.execute(sql: "UPDATE audit_records SET actor = 'cli:nobody' WHERE seq = 2") }
        let broken = try await Self.run(home, ["audit", "verify", "--team", "local"])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("team local: BROKEN at sequence 2"), "\(broken.stdout)")
        #expect(broken.stderr.contains("team local") && broken.stderr.contains("sequence 2"), "\(broken.stderr)")

        // Rotation refuses the broken chain, then re-signs it when told, and says so in it.
        let refused = try await Self.run(home, ["vault", "rotate-key"])
        #expect(refused.status == 1 && refused.stderr.contains("sequence 2"), "\(refused.stderr)")
        let rotated = try await Self.run(home, ["vault", "rotate-key", "--resign-broken-audit"])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let after = try await Self.run(home, ["audit", "verify"])
        #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
        let last = try await Self.run(home, ["audit", "--limit", "1", "--json"])
        #expect(last.stdout.contains("master_key.rotate") && last.stdout.contains("re-signed anyway"))
    }

    @Test func pruneLeavesACheckpointVerifyGoesOnFrom() async throws {
        let home = try TestHome()
        let (_, server) = try await Self.trail(home)
        defer { server.stop() }
        let pruned = try await Self.run(home, ["audit", "prune", "--before", "2999-01-01"])
        #expect(pruned.status == 0 && pruned.stdout.contains("checkpoint at sequence"), "\(pruned.stdout)")
        let listed = try await Self.run(home, ["audit"])
        #expect(listed.stdout.contains("No audit records"), "\(listed.stdout)")
        let verified = try await Self.run(home, ["audit", "verify"])
        #expect(verified.status == 0 && verified.stdout.contains("from checkpoint"), "\(verified.stdout)")
    }
}
