import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// The API-key kind: a key the user gives, sealed like every secret, sent in a header (with a
/// prefix) or a query parameter, only to the allowed hosts; ready without a login, marked
/// `needs-reauth` by the first 401 (nothing to refresh), and a new host needs the key again.
struct APIKeyConnectionTests {
    static let key = "sk-canary-5f0c2e1b9a7d4c3e"

    static func vault() async throws -> Vault {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-apikey-\(UUID().uuidString)")
        return try await Vault.open(home: KeyflowHome(directory: directory)).vault
    }

    static func add(_ vault: Vault, _ text: [String: String] = [:], hosts: [String] = ["api.example.com"])
        async throws -> Connection
    {
        try await vault.add(
            kind: "api-key", name: "Example API",
            input: ConnectionInput(text: ["apiKey": key].merging(text) { $1 }, allowedHosts: hosts))
    }

    static func send(
        _ vault: Vault, _ id: String, url: String, base: RecordingTransport,
        headers: [(name: String, value: String)] = []
    ) async throws -> HTTPTransportResponse {
        try await AuthorizingTransport(
            base: base,
            credentials: ConnectionCredentials(broker: TokenBroker(vault: vault, transport: base), connection: id)
        ).send(HTTPTransportRequest(method: "GET", url: url, headers: headers), timeout: .seconds(5))
    }

    @Test func aNewKeyIsReadyAndGoesInTheAuthorizationHeaderAsBearer() async throws {
        let vault = try await Self.vault()
        let connection = try await Self.add(vault)
        #expect(connection.status == .ready)
        #expect(connection.settings.headerName == "Authorization" && connection.settings.headerPrefix == "Bearer ")
        let base = RecordingTransport(status: 200, json: "{}")
        _ = try await Self.send(vault, connection.id, url: "https://api.example.com/v1/models", base: base)
        #expect(base.requests.first?.header("Authorization") == "Bearer \(Self.key)")
    }

    @Test func aNamedHeaderReplacesTheAgentsOwnAndTakesAPrefixWordWithASpace() async throws {
        let vault = try await Self.vault()
        let plain = try await Self.add(vault, ["headerName": "x-api-key"])
        #expect(plain.settings.headerPrefix == "")
        let base = RecordingTransport(status: 200, json: "{}")
        _ = try await Self.send(
            vault, plain.id, url: "https://api.example.com/v1", base: base,
            headers: [("X-API-Key", "chosen-by-the-agent")])
        #expect(base.requests[0].headers.filter { $0.name.lowercased() == "x-api-key" }.map(\.value) == [Self.key])

        let worded = try await Self.add(vault, ["headerName": "Authorization", "headerPrefix": "Token"])
        _ = try await Self.send(vault, worded.id, url: "https://api.example.com/v1", base: base)
        #expect(base.requests[1].header("Authorization") == "Token \(Self.key)")
    }

    @Test func aQueryParameterReplacesOneOfTheSameNameAndKeepsTheRest() async throws {
        let vault = try await Self.vault()
        let connection = try await Self.add(vault, ["queryParameter": "api_key"])
        #expect(connection.settings.headerName == nil && connection.settings.headerPrefix == nil)
        let base = RecordingTransport(status: 200, json: "{}")
        _ = try await Self.send(
            vault, connection.id, url: "https://api.example.com/v1/search?q=a%20b&api_key=chosen", base: base)
        let url = try #require(base.requests.first?.url)
        #expect(url == "https://api.example.com/v1/search?q=a%20b&api_key=\(Self.key)")
        #expect(base.requests[0].header("Authorization") == nil)
    }

    @Test func theKeyGoesOnlyToAnAllowedHost() async throws {
        let vault = try await Self.vault()
        let connection = try await Self.add(vault)
        let base = RecordingTransport(status: 200, json: "{}")
        await #expect(throws: AuthorizeError.self) {
            _ = try await Self.send(vault, connection.id, url: "https://evil.example/v1", base: base)
        }
        #expect(base.requests.isEmpty)
    }

    @Test func aKeyNeedsAllowedHostsAndAHeaderOrAParameterNotBoth() async throws {
        let vault = try await Self.vault()
        let noHosts = await #expect(throws: VaultError.self) {
            _ = try await vault.add(kind: "api-key", name: "K", input: ConnectionInput(text: ["apiKey": Self.key]))
        }
        #expect(String(describing: noHosts).contains("allowedHosts"))
        let both = await #expect(throws: VaultError.self) {
            _ = try await Self.add(vault, ["queryParameter": "key", "headerName": "x-key"])
        }
        #expect(String(describing: both).contains("headerName cannot be set together with queryParameter"))
        for bad in ["Content-Length", "x key", "Host"] {
            await #expect(throws: VaultError.self) { _ = try await Self.add(vault, ["headerName": bad]) }
        }
        let injected = await #expect(throws: VaultError.self) {
            _ = try await Self.add(vault, ["apiKey": "abc\r\nX-Evil: 1"])
        }
        #expect(!String(describing: injected).contains("abc"))
        #expect(try await vault.list().isEmpty)
    }

    @Test func a401MarksTheConnectionWithoutARetryAndTheNextRequestSendsNothing() async throws {
        let vault = try await Self.vault()
        let connection = try await Self.add(vault)
        let base = RecordingTransport(status: 401, json: #"{"error":"invalid key"}"#)
        let response = try await Self.send(vault, connection.id, url: "https://api.example.com/v1", base: base)
        #expect(response.status == 401)
        #expect(base.requests.count == 1)
        let marked = try await vault.connection(connection.id)
        #expect(marked.status == .needsReauth)
        #expect(marked.statusReason?.contains("401") == true)
        #expect(!(marked.statusReason ?? "").contains(Self.key))

        let next = RecordingTransport(status: 200, json: "{}")
        await #expect(throws: BrokerError.self) {
            _ = try await Self.send(vault, connection.id, url: "https://api.example.com/v1", base: next)
        }
        #expect(next.requests.isEmpty)

        // A new key makes it ready again.
        let fixed = try await vault.edit(connection.id, input: ConnectionInput(text: ["apiKey": "sk-new"]))
        #expect(fixed.status == .ready)
        _ = try await Self.send(vault, connection.id, url: "https://api.example.com/v1", base: next)
        #expect(next.requests.first?.header("Authorization") == "Bearer sk-new")
    }

    @Test func anAddedHostNeedsTheKeyTypedAgain() async throws {
        let vault = try await Self.vault()
        let connection = try await Self.add(vault)
        let error = await #expect(throws: VaultError.self) {
            _ = try await vault.edit(
                connection.id, input: ConnectionInput(allowedHosts: ["api.example.com", "collector.example"]))
        }
        #expect(String(describing: error).contains("enter the API key again"))
        #expect(try await vault.connection(connection.id).settings.allowedHosts == ["api.example.com"])
        let widened = try await vault.edit(
            connection.id,
            input: ConnectionInput(text: ["apiKey": Self.key], allowedHosts: ["api.example.com", "collector.example"]))
        #expect(widened.status == .ready)
        // Dropping a host or changing the header needs nothing typed again.
        let narrowed = try await vault.edit(
            connection.id, input: ConnectionInput(text: ["headerName": "x-key"], allowedHosts: ["api.example.com"]))
        #expect(narrowed.status == .ready && narrowed.settings.headerName == "x-key")
    }

    @Test func theKeyIsSealedDuplicatedWithTheCopyAndDeletedBySignOut() async throws {
        let vault = try await Self.vault()
        let connection = try await Self.add(vault)
        let row = try await vault.store.fetch(id: connection.id, team: vault.team)
        let sealed = try #require(row?.secrets)
        #expect(!String(decoding: sealed, as: UTF8.self).contains(Self.key))
        let copy = try await vault.duplicate(connection.id)
        #expect(copy.status == .ready)
        #expect(try await vault.secrets(of: copy.id).apiKey == Self.key)

        let note = try await SignOut(vault: vault, transport: RecordingTransport(status: 200, json: "{}")).run(
            connection.id)
        #expect(note?.contains("deleted") == true)
        let signedOut = try await vault.connection(connection.id)
        #expect(signedOut.status == .needsAuth)
        #expect(try await vault.secrets(of: connection.id).apiKey == nil)
        let login = await #expect(throws: FlowError.self) {
            _ = try await AuthorizationFlows(
                vault: vault, transport: RecordingTransport(status: 200, json: "{}"),
                callbacks: CallbackURLs(base: "http://127.0.0.1:1")
            ).start(connection.id)
        }
        #expect(login == .noLogin(kind: "API Key"))
    }
}
