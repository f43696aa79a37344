import Foundation
import TestSupport
import Testing
import Vault

/// `keyflow vault add api-key` and `vault test` as a user runs them, against the local
/// OpenAI-style and Anthropic-style stand-ins (which check the key in `Authorization: Bearer`
/// and `x-api-key`). The key is a canary that must never appear in any output.
@Suite(.serialized) struct APIKeyCLITests {
    static let key = "sk-cli-canary-8e1d5a0f2b7c"

    static func run(_ home: TestHome, _ arguments: [String], stdin: String? = nil) async throws -> KeyflowCLI.Result {
        let environment = home.environment
        let result = try await blockingWork {
            try KeyflowCLI.run(["vault"] + arguments, stdin: stdin, environment: environment)
        }
        #expect(
            !result.stdout.contains(key) && !result.stderr.contains(key),
            "the key leaked from vault \(arguments.joined(separator: " "))")
        return result
    }

    @Test(arguments: [
        (script: "llm_openai_server.py", flags: [String](), headers: [String]()),
        (
            script: "llm_anthropic_server.py", flags: ["--header-name", "x-api-key"],
            headers: ["--header", "anthropic-version:2023-06-01"]
        ),
    ])
    func addShowTestAndA401MarksTheConnection(script: String, flags: [String], headers: [String]) async throws {
        let peer = try PeerServer(script: script, arguments: ["--key", Self.key])
        defer { peer.stop() }
        let home = try TestHome()
        let added = try await Self.run(
            home, ["add", "api-key", "--name", "Models", "--api-key", "-", "--allowed-host", peer.baseURL] + flags,
            stdin: Self.key + "\n")
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("status ready") && added.stdout.contains("Next: keyflow vault test"))
        // The hint's URL is the allowed host as given (it has its scheme), not https://http://….
        #expect(added.stdout.contains("--url \(peer.baseURL)/…") && !added.stdout.contains("https://http"))
        let id = String(added.stdout.split(separator: "\n").first ?? "")

        let show = try await Self.run(home, ["show", id])
        #expect(show.stdout.contains("API key") && show.stdout.contains("••••"))
        #expect(show.stdout.contains(flags.isEmpty ? "header Authorization: Bearer ••••" : "header x-api-key: ••••"))

        let tested = try await Self.run(
            home, ["test", id, "--url", peer.baseURL + "/v1/models", "--count", "3"] + headers)
        #expect(tested.status == 0 && tested.stdout.contains("HTTP 200 × 3"), "\(tested.stdout)\(tested.stderr)")

        // The provider no longer takes the key: one 401, no retry, and the connection says so.
        let vault = try await home.open()
        try await vault.edit(id, input: ConnectionInput(text: ["apiKey": "sk-revoked"]))
        let refused = try await Self.run(home, ["test", id, "--url", peer.baseURL + "/v1/models"] + headers)
        #expect(refused.status != 0 && refused.stdout.contains("HTTP 401 × 1"), "\(refused.stdout)")
        let list = try await Self.run(home, ["list"])
        #expect(list.stdout.contains("needs-reauth"), "\(list.stdout)")
        let auth = try await Self.run(home, ["auth", id])
        #expect(auth.status != 0 && auth.stderr.contains("no login"), "\(auth.stderr)")
    }

    @Test func badPlacementFlagsAreNamedAndStoreNothing() async throws {
        let home = try TestHome()
        let both = try await Self.run(
            home,
            [
                "add", "api-key", "--name", "K", "--api-key", "-", "--allowed-host", "api.example.com",
                "--query-param", "key", "--header-name", "x-key",
            ], stdin: Self.key)
        #expect(both.status != 0 && both.stderr.contains("--header-name cannot be set together with --query-param"))
        let noHost = try await Self.run(home, ["add", "api-key", "--name", "K", "--api-key", "-"], stdin: Self.key)
        #expect(noHost.status != 0 && noHost.stderr.contains("--allowed-host"))
        #expect(try await home.open().list().isEmpty)
    }
}
