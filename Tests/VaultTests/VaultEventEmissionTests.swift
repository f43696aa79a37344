import Foundation
import OAuthCore
import ServiceContextModule
import Synchronization
import TestSupport
import Testing
import Vault

/// What the Vault tells its event sinks (the audit trail, health, metrics): every change to a
/// connection with the names of the fields, never a value; every credential use with method,
/// origin, path (no query) and status; refreshes and their failures; status changes; and who,
/// which agent, component and run, from the `ServiceContext` of the task that did it.
struct VaultEventEmissionTests {
    final class Recorder: VaultEventSink {
        let events = Mutex<[VaultEvent]>([])
        func record(_ event: VaultEvent) async { events.withLock { $0.append(event) } }
        func flush() async {}
        var all: [VaultEvent] { events.withLock { $0 } }
    }

    static let canarySecret = "canary-client-secret-5d1f"
    static let canaryToken = "canary-access-token-a0e2"

    static func vault() async throws -> (Vault, Recorder) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-events-\(UUID().uuidString)")
        let vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
        let recorder = Recorder()
        vault.events.add(recorder)
        return (vault, recorder)
    }

    static func addConnection(_ vault: Vault) async throws -> String {
        try await vault.add(
            kind: "custom-oauth2", name: "API",
            input: ConnectionInput(
                text: [
                    "clientID": "c", "clientSecret": canarySecret,
                    "authorizationURL": "https://api.example.com/authorize",
                    "tokenURL": "https://api.example.com/token",
                ])
        ).id
    }

    @Test func changesAreReportedWithFieldNamesAndNeverValues() async throws {
        let (vault, recorder) = try await Self.vault()
        let id = try await Self.addConnection(vault)
        try await vault.edit(id, name: "API 2", input: ConnectionInput(scopes: ["read", "write"]))
        try await vault.storeTokens(id, ConnectionTokens(accessToken: Self.canaryToken, refreshToken: "r"))
        let copy = try await vault.duplicate(id)
        _ = try await vault.dropTokens(id)
        try await vault.remove(copy.id)
        let actions = recorder.all.map(\.action)
        #expect(
            actions == [
                .connectionCreate, .connectionEdit, .connectionStatus, .connectionAuthenticate, .connectionDuplicate,
                .connectionStatus, .connectionSignOut, .connectionRemove,
            ])
        let edit = try #require(recorder.all.first { $0.action == .connectionEdit })
        #expect(edit.detail == "name, scopes")
        #expect(edit.connectionName == "API 2")
        let status = recorder.all.filter { $0.action == .connectionStatus }.map(\.detail)
        #expect(status == ["needs-auth -> ready", "ready -> needs-auth"])
        #expect(recorder.all.first { $0.action == .connectionDuplicate }?.detail == "copied from \(id)")
        let dump = String(describing: recorder.all)
        #expect(!dump.contains(Self.canarySecret) && !dump.contains(Self.canaryToken))
    }

    @Test func aSecretFieldEditIsNamedNotShown() async throws {
        let (vault, recorder) = try await Self.vault()
        let id = try await Self.addConnection(vault)
        try await vault.edit(id, input: ConnectionInput(text: ["clientSecret": "another-\(Self.canarySecret)"]))
        let edit = try #require(recorder.all.first { $0.action == .connectionEdit })
        #expect(edit.detail == "clientSecret")
        #expect(!String(describing: recorder.all).contains(Self.canarySecret))
    }

    @Test func aUseCarriesOriginPathStatusAndTheRunsAttribution() async throws {
        let (vault, recorder) = try await Self.vault()
        let id = try await Self.addConnection(vault)
        try await vault.storeTokens(id, ConnectionTokens(accessToken: Self.canaryToken))
        let base = RecordingTransport { _ in HTTPTransportResponse(status: 201, headers: [], body: []) }
        let transport = AuthorizingTransport(
            base: base,
            credentials: ConnectionCredentials(broker: TokenBroker(vault: vault, transport: base), connection: id))
        var context = ServiceContext.topLevel
        context.keyflowActor = "token:alice"
        context.keyflowAgent = "crm-sync"
        context.keyflowRun = "run_1"
        context.keyflowComponent = "c7"
        try await ServiceContext.withValue(context) {
            _ = try await transport.send(
                HTTPTransportRequest(method: "POST", url: "https://api.example.com/v1/items?email=a%40b.c"),
                timeout: .seconds(5))
        }
        let use = try #require(recorder.all.last)
        #expect(use.action == .credentialUse && use.connection == id && use.team == vault.team)
        #expect(use.method == "POST" && use.origin == "https://api.example.com" && use.path == "/v1/items")
        #expect(use.status == 201 && use.succeeded)
        #expect(use.attribution == Attribution(actor: "token:alice", agent: "crm-sync", component: "c7", run: "run_1"))
        #expect(!String(describing: use).contains("a%40b.c"))
    }

    @Test func aRefusedHostIsAFailedUseAndAFailedRefreshIsReported() async throws {
        let (vault, recorder) = try await Self.vault()
        let id = try await Self.addConnection(vault)
        try await vault.storeTokens(
            id, ConnectionTokens(accessToken: Self.canaryToken, refreshToken: "old", expiresAt: 1))
        let base = RecordingTransport { request in
            request.url.hasSuffix("/token")
                ? HTTPTransportResponse(
                    status: 400, headers: [("Content-Type", "application/json")],
                    body: Array(#"{"error":"invalid_grant"}"#.utf8))
                : HTTPTransportResponse(status: 200, headers: [], body: [])
        }
        let transport = AuthorizingTransport(
            base: base,
            credentials: ConnectionCredentials(broker: TokenBroker(vault: vault, transport: base), connection: id))
        await #expect(throws: (any Error).self) {
            _ = try await transport.send(
                HTTPTransportRequest(method: "GET", url: "https://evil.example/steal"), timeout: .seconds(5))
        }
        let refused = try #require(recorder.all.last)
        #expect(refused.action == .credentialUse && !refused.succeeded && refused.status == nil)
        #expect(refused.origin == "https://evil.example" && refused.detail?.contains("evil.example") == true)
        await #expect(throws: (any Error).self) {
            _ = try await transport.send(
                HTTPTransportRequest(method: "GET", url: "https://api.example.com/v1"), timeout: .seconds(5))
        }
        let actions = recorder.all.map(\.action)
        #expect(actions.suffix(3) == [.connectionRefreshFailed, .connectionStatus, .credentialUse])
        let failed = try #require(recorder.all.first { $0.action == .connectionRefreshFailed })
        #expect(failed.detail?.contains("invalid_grant") == true && !failed.succeeded)
        #expect(
            recorder.all.first {
                $0.action == .connectionStatus && $0.detail?.hasPrefix("ready -> needs-reauth") == true
            } != nil)
    }
}
