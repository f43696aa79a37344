import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// The broker's in-memory credential cache: used while the token is valid, dropped when the
/// connection's version moves (a write in this process at once, another process's write at
/// the next revalidation) and when the token enters the refresh window.
@Suite struct CredentialCacheTests {
    struct Setup {
        let home: TestHome
        let vault: Vault
        let id: String
        let transport = RecordingTransport(status: 500, json: #"{"error":"server_error"}"#)

        init(expiresIn: TimeInterval = 3600) async throws {
            home = try TestHome()
            vault = try await home.open()
            id = try await vault.add(
                kind: "custom-oauth2", name: "Cached",
                input: ConnectionInput(text: [
                    "clientID": "client", "authorizationURL": "https://auth.example.com/authorize",
                    "tokenURL": "https://auth.example.com/token",
                ])
            ).id
            try await vault.storeTokens(
                id,
                ConnectionTokens(
                    accessToken: "first", tokenType: "Bearer", refreshToken: "r1",
                    expiresAt: Date().timeIntervalSince1970 + expiresIn))
        }

        func broker(revalidateAfter: TimeInterval) -> TokenBroker {
            var policy = TokenBroker.Policy()
            policy.revalidateAfter = revalidateAfter
            return TokenBroker(vault: vault, transport: transport, policy: policy)
        }

        /// A write as another process makes it: straight to the store, so this process's
        /// write count does not move and only the version tells.
        func writeAsAnotherProcess() async throws {
            let row = try #require(try await vault.store.fetch(id: id, team: vault.team))
            var renamed = row
            renamed.name = "Renamed elsewhere"
            #expect(try await vault.store.replace(renamed, expectedVersion: row.version))
        }
    }

    @Test func aValidTokenIsServedFromMemoryAfterTheFirstRead() async throws {
        let setup = try await Setup()
        let broker = setup.broker(revalidateAfter: 3600)
        #expect(await broker.cachedAuthorization(for: setup.id) == nil)
        #expect(try await broker.credential(for: setup.id).accessToken == "first")
        let cached = try #require(await broker.cachedAuthorization(for: setup.id))
        #expect(cached.credential.accessToken == "first")
        #expect(cached.allowedHosts == ["auth.example.com"])
        #expect(setup.transport.requests.isEmpty)
    }

    @Test func aWriteInThisProcessDropsTheEntryAtOnce() async throws {
        let setup = try await Setup()
        let broker = setup.broker(revalidateAfter: 3600)
        _ = try await broker.credential(for: setup.id)
        try await setup.vault.storeTokens(
            setup.id,
            ConnectionTokens(
                accessToken: "second", tokenType: "Bearer",
                expiresAt: Date().timeIntervalSince1970 + 3600))
        #expect(await broker.cachedAuthorization(for: setup.id) == nil)
        #expect(try await broker.credential(for: setup.id).accessToken == "second")
        #expect(await broker.cachedAuthorization(for: setup.id)?.credential.accessToken == "second")
    }

    @Test func anotherProcessesWriteIsSeenThroughTheVersionAtRevalidation() async throws {
        let setup = try await Setup()
        let patient = setup.broker(revalidateAfter: 3600)
        let eager = setup.broker(revalidateAfter: 0)
        _ = try await patient.credential(for: setup.id)
        _ = try await eager.credential(for: setup.id)
        try await setup.writeAsAnotherProcess()
        // Within the revalidation delay the entry is trusted; once it is due, the version decides.
        #expect(await patient.cachedAuthorization(for: setup.id) != nil)
        #expect(await eager.cachedAuthorization(for: setup.id) == nil)
        _ = try await eager.credential(for: setup.id)
        #expect(await eager.cachedAuthorization(for: setup.id)?.name == "Renamed elsewhere")
    }

    /// The count of local writes belongs to the store: a write to another vault in this
    /// process (another test, another home) must not make a patient cache re-read its own.
    /// It used to be one count per process, which made the test above flaky when other tests
    /// wrote at the same time.
    @Test func aWriteToAnotherStoreDoesNotMakeTheCacheCheckAgain() async throws {
        let setup = try await Setup()
        let other = try await Setup()
        let patient = setup.broker(revalidateAfter: 3600)
        _ = try await patient.credential(for: setup.id)
        try await setup.writeAsAnotherProcess()
        try await other.vault.storeTokens(
            other.id,
            ConnectionTokens(
                accessToken: "elsewhere", tokenType: "Bearer",
                expiresAt: Date().timeIntervalSince1970 + 3600))
        #expect(await patient.cachedAuthorization(for: setup.id)?.credential.accessToken == "first")
    }

    @Test func aTokenInsideTheRefreshWindowIsNeverServedFromMemory() async throws {
        let setup = try await Setup(expiresIn: 30)  // inside the default 60 s skew
        let broker = setup.broker(revalidateAfter: 3600)
        // The refresh fails (HTTP 500).
        await #expect(throws: BrokerError.self) { try await broker.credential(for: setup.id) }
        await #expect(broker.cachedAuthorization(for: setup.id) == nil)
    }

    @Test func theAuthorizerChecksTheHostOfACachedConnection() async throws {
        let setup = try await Setup()
        let authorizer = TestAuthorizer(broker: setup.broker(revalidateAfter: 3600))
        var allowed = HTTPTransportRequest(method: "GET", url: "https://auth.example.com/api")
        try await authorizer.authorize(&allowed, connection: setup.id)
        #expect(allowed.headers.contains { $0.name == "Authorization" && $0.value == "Bearer first" })
        var other = HTTPTransportRequest(method: "GET", url: "https://elsewhere.example.com/api")
        await #expect(throws: AuthorizeError.self) { try await authorizer.authorize(&other, connection: setup.id) }
        #expect(!other.headers.contains { $0.name == "Authorization" })
    }
}
