import Foundation
import Testing
import Vault

/// `Vault.putModel` and friends: what a model name resolves to, checked in one place for the
/// CLI and the pages. Every refusal names its field and stores nothing.
struct ModelRouteTests {
    /// A custom OAuth 2.0 connection of `vault`'s team that may send its credential to `hosts`.
    static func connection(_ vault: Vault, name: String = "LLM key", allowing hosts: [String]) async throws -> String {
        let input = ConnectionInput(
            text: [
                "clientID": "app", "clientSecret": "secret-0123456789",
                "authorizationURL": "https://auth.example/authorize", "tokenURL": "https://auth.example/token",
            ], allowedHosts: hosts)
        return try await vault.add(kind: "custom-oauth2", name: name, input: input).id
    }

    /// The problems of a refused `putModel`, failing the test when it was accepted.
    static func problems(_ put: () async throws -> ModelRoute) async -> [ModelProblem] {
        do {
            let route = try await put()
            Issue.record("accepted: \(route)")
        } catch VaultError.invalidModel(let problems) {
            return problems
        } catch {
            Issue.record("unexpected error \(error)")
        }
        return []
    }

    @Test func providersDefaultTheirBaseURLAndTheRouteIsStoredNormalized() async throws {
        let vault = try await TestHome().open()
        let openai = try await Self.connection(vault, allowing: ["api.openai.com"])
        let anthropic = try await Self.connection(vault, name: "Anthropic", allowing: ["api.anthropic.com"])
        let gpt = try await vault.putModel(name: "  gpt-4o-mini ", provider: .openai, connection: openai)
        #expect(gpt.name == "gpt-4o-mini" && gpt.baseURL == "https://api.openai.com/v1" && gpt.connection == openai)
        #expect(gpt.upstreamModel == nil && gpt.modelSentToProvider == "gpt-4o-mini" && gpt.team == Vault.localTeam)
        let claude = try await vault.putModel(
            name: "claude-3.5-haiku", provider: .anthropic, connection: anthropic,
            upstreamModel: "claude-3-5-haiku-latest")
        #expect(claude.baseURL == "https://api.anthropic.com/v1")
        #expect(claude.modelSentToProvider == "claude-3-5-haiku-latest")
        // A local model: http on loopback, no key; the trailing slash and default port go.
        let llama = try await vault.putModel(
            name: "llama3.1", provider: .openaiCompatible, baseURL: "HTTP://127.0.0.1:11434/v1/", connection: "",
            upstreamModel: "llama3.1")
        #expect(llama.baseURL == "http://127.0.0.1:11434/v1" && llama.connection == nil && llama.upstreamModel == nil)
        #expect(
            try await vault.putModel(name: "x", provider: .openaiCompatible, baseURL: "https://Gateway.Example:443/")
                .baseURL == "https://gateway.example")
        #expect(try await vault.models().map(\.name) == ["claude-3.5-haiku", "gpt-4o-mini", "llama3.1", "x"])
        #expect(try await vault.model(named: " llama3.1 ") == llama)
        #expect(try await vault.model(named: "Llama3.1") == nil)  // an exact match
    }

    @Test func reAddingANameReplacesItsRouteAndKeepsWhenItWasCreated() async throws {
        let home = try TestHome()
        let vault = try await home.open()
        let first = try await vault.putModel(
            name: "local", provider: .openaiCompatible, baseURL: "http://localhost:11434/v1")
        try await Task.sleep(for: .milliseconds(20))
        let second = try await vault.putModel(
            name: "local", provider: .openaiCompatible, baseURL: "http://[::1]:8000/v1", upstreamModel: "qwen2.5")
        #expect(second.baseURL == "http://[::1]:8000/v1" && second.upstreamModel == "qwen2.5")
        #expect(second.createdAt == first.createdAt && second.updatedAt > first.updatedAt)
        #expect(try await vault.models() == [second])
        #expect(try await vault.removeModel(named: "local"))
        #expect(try await !vault.removeModel(named: "local"))
        #expect(try await vault.models().isEmpty)
    }

    static let refusedBaseURLs: [(url: String, because: String)] = [
        ("http://api.example.com/v1", "http:// is allowed only for a loopback host"),
        ("http://10.0.0.5:11434/v1", "http:// is allowed only for a loopback host"),
        ("https://10.0.0.5/v1", "internal address"),
        ("https://192.168.1.20/v1", "internal address"),
        ("https://169.254.169.254/latest", "internal address"),
        ("https://[fd00::1]/v1", "internal address"),
        ("https://[::ffff:10.1.2.3]/v1", "internal address"),
        ("https://0.0.0.0/v1", "internal address"),
        ("http://127.1:11434/v1", "not a host name or a dotted-quad IPv4 address"),
        ("https://2130706433/v1", "not a host name or a dotted-quad IPv4 address"),
        ("https://user:pass@api.example.com/v1", "user name or password"),
        ("https://api.example.com/v1?key=1", "query"),
        ("https://api.example.com/v1#frag", "fragment"),
        ("ftp://api.example.com/v1", "not http or https"),
        ("api.example.com/v1", "not an absolute URL"),
        ("https://api.exa mple.com/v1", "spaces"),
        ("https://*.example.com/v1", "not a host name"),
    ]

    @Test(arguments: refusedBaseURLs)
    func aBaseURLOutsideTheRulesIsRefusedNamingTheField(url: String, because: String) async throws {
        let vault = try await TestHome().open()
        let problems = await Self.problems {
            try await vault.putModel(name: "m", provider: .openaiCompatible, baseURL: url)
        }
        #expect(problems.map(\.field) == [.baseURL], "\(url): \(problems)")
        #expect(problems.first?.reason.contains(because) == true, "\(url): \(problems)")
        #expect(try await vault.models().isEmpty)
    }

    @Test func namesAndTheProviderRulesAreCheckedAllAtOnce() async throws {
        let vault = try await TestHome().open()
        let problems = await Self.problems {
            try await vault.putModel(
                name: "bad\u{7}name", provider: .openaiCompatible, upstreamModel: String(repeating: "m", count: 201))
        }
        #expect(problems.map(\.field) == [.name, .upstreamModel, .baseURL])
        #expect(problems.map(\.reason).joined(separator: "|").contains("control characters"))
        #expect(problems[1].reason.contains("at most 200"))
        #expect(problems[2].reason.contains("openai-compatible has no default base URL"))
        let noKey = await Self.problems { try await vault.putModel(name: "  ", provider: .anthropic) }
        #expect(noKey.map(\.field) == [.name, .connection])
        #expect(noKey[1].reason.contains("anthropic needs a connection"))
        #expect(
            try await vault.putModel(
                name: String(repeating: "n", count: 200), provider: .openaiCompatible,
                baseURL: "http://127.0.0.1:1/v1"
            ).name.count == 200)
        let message = VaultError.invalidModel(noKey).message
        #expect(message.hasPrefix("name: must not be empty; connection: anthropic needs a connection"))
    }

    @Test func theConnectionMustBeTheTeamsAndAllowTheBaseURLsOrigin() async throws {
        let home = try TestHome()
        let vault = try await home.open()
        let other = vault.forTeam("other")
        let theirs = try await Self.connection(other, allowing: ["api.openai.com"])
        let missing = await Self.problems {
            try await vault.putModel(name: "gpt-4o", provider: .openai, connection: theirs)
        }
        #expect(missing == [ModelProblem(.connection, "connection \(theirs) not found in team local")])
        let google = try await Self.connection(vault, name: "Google", allowing: ["*.googleapis.com"])
        let wrongHost = await Self.problems {
            try await vault.putModel(name: "gpt-4o", provider: .openai, connection: google)
        }
        #expect(wrongHost.map(\.field) == [.connection])
        #expect(
            wrongHost.first?.reason
                == "connection \(google) (Google) may not send its credential to https://api.openai.com; add api.openai.com to its allowed hosts"
        )
        let https = try await Self.connection(vault, name: "Local", allowing: ["127.0.0.1:11434"])
        let plain = await Self.problems {
            try await vault.putModel(
                name: "llama", provider: .openaiCompatible, baseURL: "http://127.0.0.1:11434/v1", connection: https)
        }
        #expect(plain.first?.reason.contains("add http://127.0.0.1:11434 to its allowed hosts") == true)
        #expect(try await vault.models().isEmpty)
        #expect(try await other.models().isEmpty)
        let local = try await Self.connection(vault, name: "Ollama", allowing: ["http://127.0.0.1:11434"])
        let llama = try await vault.putModel(
            name: "llama", provider: .openaiCompatible, baseURL: "http://127.0.0.1:11434/v1", connection: local)
        #expect(llama.connection == local)
    }

    @Test func eachTeamSeesAndChangesOnlyItsOwnRoutes() async throws {
        let home = try TestHome()
        let a = try await home.open(team: "a")
        let b = a.forTeam("b")
        _ = try await a.putModel(name: "shared-name", provider: .openaiCompatible, baseURL: "https://a.example/v1")
        _ = try await b.putModel(name: "shared-name", provider: .openaiCompatible, baseURL: "https://b.example/v1")
        _ = try await a.putModel(name: "a-only", provider: .openaiCompatible, baseURL: "https://a.example/v1")
        #expect(try await a.models().map(\.name) == ["a-only", "shared-name"])
        #expect(try await b.models().map(\.baseURL) == ["https://b.example/v1"])
        #expect(try await b.model(named: "a-only") == nil)
        #expect(try await !b.removeModel(named: "a-only"))
        #expect(try await b.removeModel(named: "shared-name"))
        #expect(try await a.model(named: "shared-name")?.baseURL == "https://a.example/v1")
    }

    @Test func aConnectionThatRoutesUseIsNotRemoved() async throws {
        let vault = try await TestHome().open()
        let key = try await Self.connection(vault, allowing: ["api.openai.com"])
        _ = try await vault.putModel(name: "gpt-4o-mini", provider: .openai, connection: key)
        _ = try await vault.putModel(name: "gpt-4o", provider: .openai, connection: key)
        await #expect(throws: VaultError.connectionInUse(connection: key, models: ["gpt-4o", "gpt-4o-mini"])) {
            try await vault.remove(key)
        }
        #expect(
            VaultError.connectionInUse(connection: key, models: ["gpt-4o", "gpt-4o-mini"]).message
                == "connection \(key) is used by models gpt-4o, gpt-4o-mini: remove those models or route them to another connection first"
        )
        #expect(try await vault.connection(key).id == key)
        #expect(try await vault.removeModel(named: "gpt-4o"))
        #expect(try await vault.removeModel(named: "gpt-4o-mini"))
        try await vault.remove(key)
        #expect(try await vault.list().isEmpty)
    }
}
