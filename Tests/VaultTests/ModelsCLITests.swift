import Foundation
import TestSupport
import Testing
import Vault

/// `keyflow models` as a user runs it: add prints what was saved, re-adding replaces, bad
/// input exits 2 naming the flag and stores nothing, removing a missing name fails.
struct ModelsCLITests {
    static func run(_ home: TestHome, _ arguments: [String]) async throws -> KeyflowCLI.Result {
        try await KeyflowCLI.runAsync(["models"] + arguments, environment: home.environment)
    }

    @Test func addListReplaceAndRemove() async throws {
        let home = try TestHome()
        let vault = try await home.open()
        let key = try await ModelRouteTests.connection(vault, name: "OpenAI key", allowing: ["api.openai.com"])

        let empty = try await Self.run(home, ["list"])
        #expect(empty.status == 0 && empty.stdout.contains("No models yet"))
        let added = try await Self.run(home, ["add", "gpt-4o-mini", "--provider", "openai", "--connection", key])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("Saved model gpt-4o-mini:"))
        #expect(added.stdout.contains("Base URL    https://api.openai.com/v1"))
        #expect(added.stdout.contains("Connection  \(key) (OpenAI key)"))
        #expect(added.stdout.contains("Sent as     gpt-4o-mini"))
        let local = try await Self.run(
            home,
            [
                "add", "llama", "--provider", "openai-compatible", "--base-url", "http://127.0.0.1:11434/v1/", "--as",
                "llama3.1",
            ])
        #expect(local.status == 0, "\(local.stderr)")
        #expect(
            local.stdout.contains("Connection  none (no key is sent)") && local.stdout.contains("Sent as     llama3.1"))

        let list = try await Self.run(home, ["list"])
        let lines = list.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3 && lines[0].hasPrefix("NAME"))
        #expect(lines[1].hasPrefix("gpt-4o-mini") && lines[1].contains("openai") && lines[1].contains(key))
        #expect(
            lines[2].hasPrefix("llama") && lines[2].contains("http://127.0.0.1:11434/v1")
                && lines[2].hasSuffix("llama3.1"))
        let json = try JSONSerialization.jsonObject(
            with: Data(try await Self.run(home, ["list", "--json"]).stdout.utf8))
        let routes = try #require(json as? [[String: Any]])
        #expect(routes.map { $0["name"] as? String } == ["gpt-4o-mini", "llama"])
        #expect(routes[1]["base_url"] as? String == "http://127.0.0.1:11434/v1" && routes[1]["connection"] is NSNull)
        #expect(routes[1]["model_sent_to_provider"] as? String == "llama3.1")

        // Re-adding a name replaces its route.
        let replaced = try await Self.run(
            home, ["add", "llama", "--provider", "openai-compatible", "--base-url", "http://localhost:8000/v1"])
        #expect(replaced.status == 0 && replaced.stdout.contains("Sent as     llama\n"))
        #expect(try await vault.model(named: "llama")?.baseURL == "http://localhost:8000/v1")
        #expect(try await vault.models().count == 2)

        let removed = try await Self.run(home, ["remove", "llama"])
        #expect(removed.status == 0 && removed.stdout.contains("Removed model llama."))
        let again = try await Self.run(home, ["remove", "llama"])
        #expect(again.status == 2 && again.stderr.contains("model llama does not exist"))
        #expect(try await vault.models().map(\.name) == ["gpt-4o-mini"])

        // The connection a route uses is not removed.
        let inUse = try await KeyflowCLI.runAsync(["vault", "remove", key], environment: home.environment)
        #expect(inUse.status == 1 && inUse.stderr.contains("is used by model gpt-4o-mini"), "\(inUse.stderr)")
        #expect(try await vault.connection(key).id == key)
    }

    @Test func badInputExitsTwoNamingTheFlagAndStoresNothing() async throws {
        let home = try TestHome()
        let vault = try await home.open()
        let google = try await ModelRouteTests.connection(vault, name: "Google", allowing: ["*.googleapis.com"])
        let cases: [([String], String)] = [
            (["m", "--provider", "mistral"], "--provider: must be one of openai, anthropic, openai-compatible"),
            (["m", "--provider", "openai-compatible"], "--base-url: openai-compatible has no default base URL"),
            (
                ["m", "--provider", "openai-compatible", "--base-url", "http://api.example.com/v1"],
                "--base-url: http:// is allowed only for a loopback host"
            ),
            (
                ["m", "--provider", "openai-compatible", "--base-url", "https://192.168.0.10/v1"],
                "--base-url: 192.168.0.10 is an internal address"
            ),
            (["m", "--provider", "openai"], "--connection: openai needs a connection"),
            (
                ["m", "--provider", "openai", "--connection", "kc_nope"],
                "--connection: connection kc_nope not found in team local"
            ),
            (
                ["m", "--provider", "openai", "--connection", google],
                "--connection: connection \(google) (Google) may not send its credential to https://api.openai.com; add api.openai.com to its allowed hosts"
            ),
            (["", "--provider", "anthropic", "--connection", google], "NAME: must not be empty"),
            (
                [
                    "m", "--provider", "openai-compatible", "--base-url", "http://127.0.0.1/v1", "--as",
                    String(repeating: "x", count: 201),
                ],
                "--as: must be at most 200 characters"
            ),
        ]
        for (arguments, message) in cases {
            let result = try await Self.run(home, ["add"] + arguments)
            #expect(result.status == 2, "\(arguments): exit \(result.status)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(try await vault.models().isEmpty)
    }
}
