import Foundation
import PostgresStore
import Testing
import Vault

/// Connection health and the status outbox, on every store: newer times win field by field,
/// rows go with their connection, the outbox row is written only with a winning swap, and a
/// claimed change is held by one sender.
struct HealthStoreContractTests {
    static func health(
        _ id: String, team: String = "a", success: Double? = nil, failure: Double? = nil, reason: String? = nil,
        refresh: Double? = nil, refreshExpiry: Double? = nil, at: Double
    ) -> ConnectionHealth {
        ConnectionHealth(
            team: team, connection: id, lastSuccessAt: success, lastFailureAt: failure, lastFailureReason: reason,
            lastRefreshAt: refresh, refreshTokenExpiresAt: refreshExpiry, updatedAt: at)
    }

    @Test(arguments: StoreKind.available)
    func eachTimeKeepsTheNewerValueAndTheReasonGoesWithItsFailure(kind: StoreKind) async throws {
        let store = try await kind.make().store
        try await store.insert(StoreContractTests.connection("kc_1"))
        try await store.insert(StoreContractTests.connection("kc_2", team: "b"))
        try await store.recordHealth([
            Self.health("kc_1", success: 200, failure: 150, reason: "HTTP 401 from api.example.com", at: 200),
            Self.health("kc_2", team: "b", success: 10, at: 10),
            // Another team's id, and a connection that does not exist: nothing written.
            Self.health("kc_2", team: "a", success: 10, at: 10), Self.health("kc_gone", success: 10, at: 10),
        ])
        // Older observations (a slow node's batch) change nothing; newer ones win field by field.
        try await store.recordHealth([
            Self.health("kc_1", success: 100, failure: 120, reason: "older", refresh: 300, refreshExpiry: 9000, at: 120)
        ])
        var expected = Self.health(
            "kc_1", success: 200, failure: 150, reason: "HTTP 401 from api.example.com", refresh: 300,
            refreshExpiry: 9000, at: 200)
        #expect(try await store.health(team: "a") == [expected])
        try await store.recordHealth([Self.health("kc_1", failure: 400, reason: "timed out", at: 400)])
        expected.lastFailureAt = 400
        expected.lastFailureReason = "timed out"
        expected.updatedAt = 400
        #expect(try await store.health(team: "a") == [expected])
        // A later refresh that did not state the refresh token's expiry clears it.
        try await store.recordHealth([Self.health("kc_1", refresh: 500, at: 500)])
        expected.lastRefreshAt = 500
        expected.refreshTokenExpiresAt = nil
        expected.updatedAt = 500
        #expect(try await store.health(team: "a") == [expected])
        // The same merge in memory (the recorder's buffer) agrees with the stores.
        var merged = Self.health(
            "kc_1", success: 200, failure: 150, reason: "HTTP 401 from api.example.com", refresh: 300,
            refreshExpiry: 9000, at: 200)
        for later in [
            Self.health("kc_1", failure: 400, reason: "timed out", at: 400), Self.health("kc_1", refresh: 500, at: 500),
        ] { merged.merge(later) }
        #expect(merged == expected)
        #expect(try await store.health(team: "b").map(\.lastSuccessAt) == [10])

        // Removing the connection removes its health in the same transaction.
        #expect(try await store.delete(id: "kc_1", team: "a"))
        #expect(try await store.health(team: "a").isEmpty)
        try await store.insert(StoreContractTests.connection("kc_1"))
        #expect(try await store.health(team: "a").isEmpty)
    }

    static func reauth(_ row: StoredConnection, at time: Double) -> StoredConnection {
        var changed = row
        changed.status = ConnectionStatus.needsReauth.rawValue
        changed.statusReason = "invalid_grant: refresh token revoked"
        changed.updatedAt = time
        return changed
    }

    @Test(arguments: StoreKind.available)
    func theOutboxRowIsWrittenOnlyByTheSwapThatWins(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let store = setup.store
        let other = try await setup.secondNode()
        var row = StoreContractTests.connection("kc_1")
        row.status = ConnectionStatus.ready.rawValue
        try await store.insert(row)
        let now = Date().timeIntervalSince1970
        let changed = Self.reauth(row, at: now)
        let change = try #require(StatusChange.between(row, changed))
        #expect(change.type == .needsReauth && change.reason == "invalid_grant: refresh token revoked")
        // Two nodes swap from version 1 at once: one wins, and only its change is in the outbox.
        async let first = store.replace(changed, expectedVersion: 1, outbox: change)
        let second = StatusChange(
            type: .needsReauth, team: "a", connection: "kc_1", name: "CRM", kind: "custom-oauth2",
            status: "needs-reauth", reason: "second", at: now)
        async let secondWon = other.replace(changed, expectedVersion: 1, outbox: second)
        let results = try await [first, secondWon]
        #expect(results.filter { $0 }.count == 1)
        let outbox = try await store.statusChanges(team: "a")
        #expect(outbox.count == 1)
        #expect(outbox.first?.change.id == (results[0] ? change.id : second.id))
        #expect(outbox.first?.state == .pending && outbox.first?.attempts == 0)
        // A swap from a stale version writes neither the row nor an outbox row.
        #expect(try await !store.replace(changed, expectedVersion: 1, outbox: StatusChange.between(row, changed)))
        #expect(try await store.statusChanges(team: "a").count == 1)
        #expect(try await store.statusChanges(team: "b").isEmpty)
        // Not a reported change: ready → ready, needs-auth → ready (a first login).
        #expect(StatusChange.between(row, row) == nil)
        var fresh = StoreContractTests.connection("kc_2")
        let loggedIn = {
            var r = fresh; r.status = "ready"; return r
        }()
        #expect(StatusChange.between(fresh, loggedIn) == nil)
        fresh.status = "needs-reauth"
        #expect(StatusChange.between(fresh, loggedIn)?.type == .recovered)
    }

    @Test(arguments: StoreKind.available)
    func aClaimedChangeIsHeldByOneSenderUntilItFinishesOrItsLeaseRunsOut(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let store = setup.store
        let other = try await setup.secondNode()
        var row = StoreContractTests.connection("kc_1")
        row.status = ConnectionStatus.ready.rawValue
        try await store.insert(row)
        let now = Date().timeIntervalSince1970
        let changed = Self.reauth(row, at: now)
        #expect(try await store.replace(changed, expectedVersion: 1, outbox: StatusChange.between(row, changed)))
        async let a = store.claimStatusChanges(
            owner: "a", now: now + 1, leaseUntil: now + 61, createdAfter: now - 100, limit: 10)
        async let b = other.claimStatusChanges(
            owner: "b", now: now + 1, leaseUntil: now + 61, createdAfter: now - 100, limit: 10)
        let claims = try await [a, b]
        #expect(claims.map(\.count).sorted() == [0, 1])
        let claimed = try #require(claims.flatMap { $0 }.first)
        #expect(claimed.attempts == 1 && claimed.change.connection == "kc_1")
        // Leased: nobody else takes it, and a wrong claim cannot finish it.
        #expect(
            try await store.claimStatusChanges(
                owner: "c", now: now + 2, leaseUntil: now + 62, createdAfter: now - 100, limit: 10
            ).isEmpty)
        #expect(
            try await !store.finishStatusChange(
                id: claimed.change.id, claim: "other", state: .delivered, nextAttemptAt: 0, error: nil, at: now))
        // Failed: pending again, due later.
        #expect(
            try await store.finishStatusChange(
                id: claimed.change.id, claim: claimed.claim, state: .pending, nextAttemptAt: now + 30,
                error: "the receiver answered HTTP 503", at: now + 2))
        #expect(
            try await store.claimStatusChanges(
                owner: "c", now: now + 3, leaseUntil: now + 63, createdAfter: now - 100, limit: 10
            ).isEmpty)
        let retry = try #require(
            try await other.claimStatusChanges(
                owner: "c", now: now + 31, leaseUntil: now + 40, createdAfter: now - 100, limit: 10
            ).first)
        #expect(retry.attempts == 2)
        // Its sender died: once the lease ran out another one takes it over; the first cannot finish.
        let takeover = try #require(
            try await store.claimStatusChanges(
                owner: "d", now: now + 41, leaseUntil: now + 100, createdAfter: now - 100, limit: 10
            ).first)
        #expect(takeover.attempts == 3)
        #expect(
            try await !other.finishStatusChange(
                id: retry.change.id, claim: retry.claim, state: .delivered, nextAttemptAt: 0, error: nil, at: now))
        #expect(
            try await store.finishStatusChange(
                id: takeover.change.id, claim: takeover.claim, state: .delivered, nextAttemptAt: 0, error: nil,
                at: now + 42))
        let entry = try #require(try await store.statusChanges(team: "a").first)
        #expect(entry.state == .delivered && entry.attempts == 3)
        // Old news is not sent: a change older than createdAfter is never claimed.
        #expect(
            try await store.claimStatusChanges(
                owner: "e", now: now + 50, leaseUntil: now + 100, createdAfter: now + 10, limit: 10
            ).isEmpty)
    }

    @Test(arguments: StoreKind.available)
    func theRefresherFindsTokensAboutToExpireAndConnectionsLeftIdle(kind: StoreKind) async throws {
        let store = try await kind.make().store
        func ready(_ id: String, team: String = "a", expires: Double?, updated: Double) -> StoredConnection {
            var row = StoreContractTests.connection(id, team: team)
            row.status = "ready"
            row.tokens = Data([9])
            row.tokenExpiresAt = expires
            row.updatedAt = updated
            return row
        }
        try await store.insert(ready("kc_soon", expires: 1100, updated: 900))
        try await store.insert(ready("kc_later", team: "b", expires: 5000, updated: 990))
        try await store.insert(ready("kc_idle", expires: nil, updated: 100))
        try await store.insert(ready("kc_refreshed", expires: nil, updated: 100))
        var noTokens = ready("kc_none", expires: 1000, updated: 100)
        noTokens.tokens = nil
        try await store.insert(noTokens)
        var broken = ready("kc_reauth", expires: 1000, updated: 100)
        broken.status = "needs-reauth"
        try await store.insert(broken)
        try await store.recordHealth([Self.health("kc_refreshed", refresh: 950, at: 950)])

        let ahead = try await store.refreshCandidates(expiringBefore: 1200, idleBefore: 0, limit: 10)
        #expect(ahead.map(\.connection) == ["kc_soon"])
        let idle = try await store.refreshCandidates(expiringBefore: 0, idleBefore: 500, limit: 10)
        #expect(idle.map(\.connection) == ["kc_idle"])
        let both = try await store.refreshCandidates(expiringBefore: 6000, idleBefore: 500, limit: 10)
        #expect(Set(both.map(\.connection)) == ["kc_soon", "kc_later", "kc_idle"])
        #expect(both.first { $0.connection == "kc_later" }?.team == "b")
        #expect(try await store.refreshCandidates(expiringBefore: 6000, idleBefore: 500, limit: 1).count == 1)
    }
}
