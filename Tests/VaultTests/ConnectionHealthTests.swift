import Foundation
import OAuthCore
import Synchronization
import TestSupport
import Testing
import Vault

/// A health store that keeps every batch it is given, and can fail.
final class BatchRecordingHealthStore: HealthStore {
    let batches = Mutex<[[ConnectionHealth]]>([])
    let failing: Bool

    init(failing: Bool = false) { self.failing = failing }

    func recordHealth(_ rows: [ConnectionHealth]) async throws(VaultError) {
        if failing { throw .storage("PostgreSQL: the connection was closed") }
        batches.withLock { $0.append(rows.sorted { $0.connection < $1.connection }) }
    }
    func health(team: String) async throws(VaultError) -> [ConnectionHealth] { [] }
    func refreshCandidates(expiringBefore: Double, idleBefore: Double, limit: Int) async throws(VaultError)
        -> [RefreshCandidate]
    { [] }
}

/// Connection health from the vault's events, and the status changes reported with the row.
struct ConnectionHealthTests {
    static func use(_ id: String, status: Int?, at: Double, detail: String? = nil) -> VaultEvent {
        VaultEvent(
            .credentialUse, team: "local", at: at, connection: id, method: "GET", origin: "https://api.example.com",
            path: "/me", status: status, succeeded: status.map { (200..<400).contains($0) } ?? false, detail: detail)
    }

    @Test func usesAreCoalescedPerConnectionAndWrittenInOneBatch() async throws {
        let store = BatchRecordingHealthStore()
        // A long interval: only flush() writes here.
        let recorder = HealthRecorder(store: store, interval: .seconds(60))
        for i in 0..<200 {
            await recorder.record(Self.use("kc_a", status: i == 150 ? 401 : 200, at: Double(1000 + i)))
            await recorder.record(Self.use("kc_b", status: 302, at: Double(1000 + i)))
        }
        await recorder.record(Self.use("kc_b", status: nil, at: 999, detail: "connection refused"))
        await recorder.record(VaultEvent(.connectionSignOut, team: "local", at: 5000, connection: "kc_c"))
        await recorder.flush()
        let batches = store.batches.withLock { $0 }
        #expect(batches.count == 1)
        let rows = try #require(batches.first)
        #expect(rows.map(\.connection) == ["kc_a", "kc_b"])
        #expect(rows[0].lastSuccessAt == 1199)
        #expect(rows[0].lastFailureAt == 1150)
        #expect(rows[0].lastFailureReason == "HTTP 401 from api.example.com")
        #expect(rows[1].lastSuccessAt == 1199)
        #expect(rows[1].lastFailureAt == 999)
        #expect(rows[1].lastFailureReason == "connection refused (api.example.com)")
        // Nothing buffered: another flush writes nothing.
        await recorder.flush()
        #expect(store.batches.withLock { $0.count } == 1)
    }

    @Test func aBufferIsWrittenWithinTheIntervalWithoutAFlush() async throws {
        let store = BatchRecordingHealthStore()
        let recorder = HealthRecorder(store: store, interval: .milliseconds(100))
        await recorder.record(Self.use("kc_a", status: 200, at: 1))
        await recorder.record(Self.use("kc_a", status: 200, at: 2))
        for _ in 0..<100 where store.batches.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(store.batches.withLock { $0 }.map { $0.map(\.lastSuccessAt) } == [[2]])
    }

    @Test func aStoreThatFailsNeverReachesTheCaller() async throws {
        let recorder = HealthRecorder(store: BatchRecordingHealthStore(failing: true), interval: .milliseconds(10))
        await recorder.record(Self.use("kc_a", status: 500, at: 1))
        await recorder.flush()  // logged, not thrown
        await recorder.record(
            VaultEvent(.connectionRefreshFailed, team: "local", at: 2, connection: "kc_a", detail: "invalid_grant"))
        #expect(
            HealthRecorder.observation(of: Self.use("kc_a", status: 500, at: 1))?.lastFailureReason
                == "HTTP 500 from api.example.com")
        #expect(
            HealthRecorder.observation(
                of: VaultEvent(
                    .connectionRefreshFailed, team: "local", at: 2, connection: "kc_a", detail: "invalid_grant")
            )?.lastFailureReason == "refresh failed: invalid_grant")
        #expect(HealthRecorder.host(of: "http://127.0.0.1:8080") == "127.0.0.1:8080")
        #expect(HealthRecorder.host(of: "https://api.example.com:443") == "api.example.com")
    }

    @Test func aVaultRecordsItsEventsAndKeepsTheRefreshTokensExpiryFromItsTokens() async throws {
        let home = try TestHome()
        let vault = try await home.open()
        let id = try await ProviderConnection.add(to: vault, baseURL: "https://auth.example")
        let now = Date().timeIntervalSince1970
        try await vault.storeTokens(
            id,
            ConnectionTokens(
                accessToken: "at", refreshToken: "rt", expiresAt: now + 3600, refreshTokenExpiresAt: now + 12.5 * 86400)
        )
        // storeTokens reports the login itself (connection.authenticate, at the vault's clock).
        await vault.events.emit(Self.use(id, status: 403, at: now + 1))
        await vault.events.flush()
        let health = try #require(try await vault.health()[id])
        #expect((health.lastRefreshAt ?? 0) >= now && health.refreshTokenExpiresAt == now + 12.5 * 86400)
        #expect(health.lastFailureReason == "HTTP 403 from api.example.com")
        #expect(health.refreshTokenExpiry(now: Date(timeIntervalSince1970: now)) == "refresh token expires in 12 days")
        // Another team's vault sees none of it.
        #expect(try await vault.forTeam("other").health().isEmpty)
    }

    @Test func turningNeedsReauthAndRecoveringAreWrittenToTheOutboxWithTheChange() async throws {
        let home = try TestHome()
        let vault = try await home.open()
        let id = try await ProviderConnection.add(to: vault, baseURL: "https://auth.example")
        // needs-auth → ready: not reported.
        try await vault.storeTokens(id, ConnectionTokens(accessToken: "at", refreshToken: "rt"))
        #expect(try await vault.store.statusChanges(team: vault.team).isEmpty)
        try await vault.setStatus(id, .needsReauth, reason: "invalid_grant: the refresh token was revoked")
        try await vault.setStatus(id, .needsReauth, reason: "again")  // no change of status: not reported again
        try await vault.storeTokens(id, ConnectionTokens(accessToken: "at2", refreshToken: "rt2"))
        try await vault.setStatus(id, .error, reason: "broken")
        try await vault.dropTokens(id)  // error → needs-auth: not a recovery
        let changes = try await vault.store.statusChanges(team: vault.team)
        #expect(changes.map(\.change.type) == [.needsReauth, .recovered])
        let reported = try #require(changes.first?.change)
        #expect(reported.connection == id && reported.name == "Provider" && reported.kind == "custom-oauth2")
        #expect(reported.status == "needs-reauth" && reported.reason == "invalid_grant: the refresh token was revoked")
        #expect(changes.allSatisfy { $0.state == .pending && $0.attempts == 0 })
        #expect(try await vault.latestStatusChanges()[id]?.type == .recovered)
    }

    @Test func theTokenClientKeepsTheRefreshTokensLifetimeWhereTheProviderGivesIt() async throws {
        let transport = RecordingTransport(
            json: #"{"access_token":"at","expires_in":3600,"refresh_token":"rt","refresh_token_expires_in":5184000}"#)
        let sentAt = Date(timeIntervalSince1970: 1_000_000)
        let client = OAuth2Client(
            configuration: OAuth2Configuration(clientID: "app", tokenURL: "https://auth.example/token"),
            transport: transport, clock: { sentAt })
        let token = try await client.refresh("old")
        #expect(token.refreshTokenExpiresAt == sentAt.addingTimeInterval(5_184_000))
        let quickbooks = RecordingTransport(
            json: #"{"access_token":"at","refresh_token":"rt","x_refresh_token_expires_in":"8726400"}"#)
        let other = try await OAuth2Client(
            configuration: OAuth2Configuration(clientID: "app", tokenURL: "https://auth.example/token"),
            transport: quickbooks, clock: { sentAt }
        ).refresh("old")
        #expect(other.refreshTokenExpiresAt == sentAt.addingTimeInterval(8_726_400))
        let none = try await OAuth2Client(
            configuration: OAuth2Configuration(clientID: "app", tokenURL: "https://auth.example/token"),
            transport: RecordingTransport(json: #"{"access_token":"at","refresh_token_expires_in":"soon"}"#)
        ).refresh("old")
        #expect(none.refreshTokenExpiresAt == nil)
    }

    @Test func aFailedUseIsShownByVaultList() async throws {
        let home = try TestHome()
        let vault = try await home.open()
        let id = try await ProviderConnection.add(to: vault, baseURL: "https://auth.example", name: "CRM")
        try await vault.storeTokens(id, ConnectionTokens(accessToken: "at", refreshToken: "rt"))
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        await vault.events.emit(Self.use(id, status: 200, at: at.timeIntervalSince1970 - 60))
        await vault.events.emit(Self.use(id, status: 401, at: at.timeIntervalSince1970))
        await vault.events.flush()
        let table = try VaultCLITests.run(home, ["list"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("HEALTH"))
        #expect(table.stdout.contains("last used ") && table.stdout.contains("last failure "))
        #expect(table.stdout.contains("(HTTP 401 from api.example.com)"))
        let json = try VaultCLITests.run(home, ["list", "--json"])
        let list = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        let health = try #require(list?.first?["health"] as? [String: Any])
        #expect(health["last_failure_reason"] as? String == "HTTP 401 from api.example.com")
        #expect(health["last_failure_at"] is String && health["last_success_at"] is String)
        #expect(health["refresh_token_expires_at"] is NSNull)
    }
}
