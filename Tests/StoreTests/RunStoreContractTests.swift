import Foundation
import PostgresStore
import Synchronization
import Testing
import Vault

/// The run queue's contract, on every store: claims never collide, the per-team limit holds
/// across nodes, lost runs are requeued or failed by the rules, and a run's request and result
/// are sealed to its team.
struct RunStoreContractTests {
    static func run(_ id: String, team: String = "a", at time: Double) -> StoredRun {
        StoredRun(
            id: id, team: team, agent: "agent", agentVersion: 1, startedBy: "ann", keyID: "mk1",
            wrappedKey: Data([1]), request: Data([2]), createdAt: time)
    }

    static func claim(_ worker: String, now: Double = 1_000, lease: Double = 30, limit: Int = 4) -> RunClaim {
        RunClaim(worker: worker, token: UUID().uuidString, now: now, leaseUntil: now + lease, maxRunningPerTeam: limit)
    }

    @Test(arguments: StoreKind.available)
    func runsAreQueuedClaimedOldestFirstAndFinishedUnderTheirClaim(kind: StoreKind) async throws {
        let store = try await kind.make().store
        #expect(try await store.enqueueRun(Self.run("r2", at: 2), maxQueuedPerTeam: 2))
        #expect(try await store.enqueueRun(Self.run("r1", at: 1), maxQueuedPerTeam: 2))
        #expect(try await !store.enqueueRun(Self.run("r3", at: 3), maxQueuedPerTeam: 2))  // the team's queue is full
        #expect(try await store.enqueueRun(Self.run("b1", team: "b", at: 4), maxQueuedPerTeam: 2))

        let claim = Self.claim("w1")
        let claimed = try #require(try await store.claimRun(claim))
        #expect(claimed.id == "r1" && claimed.status == .running && claimed.attempts == 1)
        #expect(claimed.worker == "w1" && claimed.claim == claim.token && claimed.leaseUntil == 1_030)

        let ending = RunEnding(status: .succeeded, result: Data([9]), at: 1_010)
        #expect(try await !store.finishRun(id: "r1", claim: "another claim", ending: ending))
        #expect(try await store.finishRun(id: "r1", claim: claim.token, ending: ending))
        #expect(try await !store.finishRun(id: "r1", claim: claim.token, ending: ending))  // ended already
        let finished = try #require(try await store.run(id: "r1", team: "a"))
        #expect(finished.status == .succeeded && finished.result == Data([9]) && finished.finishedAt == 1_010)

        #expect(try await store.run(id: "r1", team: "b") == nil)  // another team's run looks missing
        #expect(try await store.runs(team: "a", limit: 10, before: nil).map(\.id) == ["r2", "r1"])
        #expect(try await store.runs(team: "a", limit: 1, before: 2).map(\.id) == ["r1"])
        #expect(try await store.runStatuses(ids: ["r1", "r2", "nope"]) == ["r1": .succeeded, "r2": .queued])
    }

    @Test(arguments: StoreKind.available)
    func concurrentClaimsOnTwoNodesNeverTakeTheSameRun(kind: StoreKind) async throws {
        let setup = try await kind.make()
        for index in 0..<40 {
            #expect(
                try await setup.store.enqueueRun(
                    Self.run("r\(index)", team: "t\(index % 5)", at: Double(index)), maxQueuedPerTeam: 100))
        }
        let other = try await setup.secondNode()
        let stores: [any FullStore] = [setup.store, other]
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var mine: [String] = []
                    while let run = try await stores[worker % 2].claimRun(Self.claim("w\(worker)", limit: 100)) {
                        mine.append(run.id)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(claimed.count == 40)
        #expect(Set(claimed).count == 40)
    }

    @Test(arguments: StoreKind.available)
    func theTeamLimitHoldsAcrossNodesAndDoesNotBlockOtherTeams(kind: StoreKind) async throws {
        let setup = try await kind.make()
        for index in 0..<6 {
            _ = try await setup.store.enqueueRun(Self.run("a\(index)", at: Double(index)), maxQueuedPerTeam: 100)
        }
        _ = try await setup.store.enqueueRun(Self.run("b0", team: "b", at: 10), maxQueuedPerTeam: 100)
        let other = try await setup.secondNode()
        let stores: [any FullStore] = [setup.store, other]
        let claimed = try await withThrowingTaskGroup(of: String?.self) { group in
            for worker in 0..<10 {
                group.addTask { try await stores[worker % 2].claimRun(Self.claim("w\(worker)", limit: 2))?.id }
            }
            return try await group.reduce(into: [String]()) { if let id = $1 { $0.append(id) } }
        }
        #expect(claimed.filter { $0.hasPrefix("a") }.count == 2, "\(claimed)")
        #expect(claimed.contains("b0"), "team b waited behind team a: \(claimed)")
    }

    @Test(arguments: StoreKind.available)
    func aBatchOfClaimsTakesOneRunEachWithinTheTeamLimit(kind: StoreKind) async throws {
        let store = try await kind.make().store
        for (id, team, time) in [("a1", "a", 1.0), ("a2", "a", 2.0), ("b1", "b", 3.0)] {
            _ = try await store.enqueueRun(Self.run(id, team: team, at: time), maxQueuedPerTeam: 10)
        }
        let claims = (0..<4).map { _ in Self.claim("w", limit: 1) }
        let claimed = try await store.claimRuns(claims)
        // Team a may have one running: a1 and b1 are taken, a2 waits; each has its own claim.
        #expect(claimed.map(\.id) == ["a1", "b1"])
        #expect(claimed.map(\.claim) == [claims[0].token, claims[1].token])
        #expect(try await store.runStatus(id: "a2", team: "a") == .queued)
        #expect(try await store.runStatus(id: "a2", team: "b") == nil)
    }

    @Test(arguments: StoreKind.available)
    func aWorkerPutsBackTheClaimsWhoseAnswerItLost(kind: StoreKind) async throws {
        let store = try await kind.make().store
        for (id, time) in [("held", 1.0), ("lost", 2.0), ("other", 3.0)] {
            _ = try await store.enqueueRun(Self.run(id, at: time), maxQueuedPerTeam: 10)
        }
        let held = Self.claim("w1")
        let lost = Self.claim("w1")
        #expect(try await store.claimRun(held)?.id == "held")
        #expect(try await store.claimRun(lost)?.id == "lost")  // as if its answer never came back
        #expect(try await store.claimRun(Self.claim("w2"))?.id == "other")
        #expect(try await store.releaseUnheldRuns(worker: "w1", holding: [held.token]) == 1)
        let released = try #require(try await store.run(id: "lost", team: "a"))
        #expect(released.status == .queued && released.attempts == 0 && released.worker == nil)
        #expect(try await store.runStatus(id: "held", team: "a") == .running)
        #expect(try await store.runStatus(id: "other", team: "a") == .running)  // another worker's
    }

    @Test(arguments: StoreKind.available)
    func lostRunsAreRequeuedOrEndedByTheRules(kind: StoreKind) async throws {
        let store = try await kind.make().store
        for id in ["plain", "posted", "tired", "cancel"] {
            _ = try await store.enqueueRun(Self.run(id, at: 1), maxQueuedPerTeam: 100)
        }
        var claims: [String: RunClaim] = [:]
        for _ in 0..<4 {
            let claim = Self.claim("dead", now: 100, lease: 10, limit: 10)
            let run = try #require(try await store.claimRun(claim))
            claims[run.id] = claim
        }
        let posted = try #require(claims["posted"])
        #expect(
            try await store.recordUnsafeRequest(
                runID: "posted", claim: posted.token, request: "POST https://api.x.com/2/tweets"))
        #expect(
            try await !store.recordUnsafeRequest(runID: "posted", claim: "stale", request: "POST https://elsewhere"))
        #expect(try await store.cancelRun(id: "cancel", team: "a", at: 105)?.cancelRequested == true)

        // "tired" has used its attempts: max 1. Nothing has run out before the lease ends.
        #expect(try await store.recoverLostRuns(now: 105, maxAttempts: 1).isEmpty)
        let recovered = try await store.recoverLostRuns(now: 111, maxAttempts: 2)
        #expect(recovered.requeued.sorted() == ["plain", "tired"])
        #expect(recovered.failed == ["posted"] && recovered.cancelled == ["cancel"])
        let failed = try #require(try await store.run(id: "posted", team: "a"))
        #expect(failed.status == .failed && failed.failure == "worker_lost")
        #expect(failed.reason?.contains("POST https://api.x.com/2/tweets") == true, "\(failed.reason ?? "")")
        #expect(try await store.run(id: "cancel", team: "a")?.status == .cancelled)

        // The dead worker comes back: every claim it held is lost.
        let renewal = try await store.renewLeases(worker: "dead", claims: claims.values.map(\.token), until: 200)
        #expect(renewal.lost == Set(claims.values.map(\.token)))

        // The second claim is the second attempt; a lost second attempt of "tired" fails it.
        let again = Self.claim("w2", now: 120, lease: 10, limit: 10)
        let first = try #require(try await store.claimRun(again))
        #expect(first.attempts == 2 && first.unsafeRequest == nil)
        _ = try await store.claimRun(Self.claim("w2", now: 120, lease: 10, limit: 10))
        let last = try await store.recoverLostRuns(now: 131, maxAttempts: 2)
        #expect(last.failed.sorted() == ["plain", "tired"], "\(last)")
        #expect(try await store.run(id: "tired", team: "a")?.failure == "attempts_exhausted")
    }

    @Test(arguments: StoreKind.available)
    func cancellingEndsAQueuedRunAndAsksTheWorkerOfARunningOne(kind: StoreKind) async throws {
        let store = try await kind.make().store
        _ = try await store.enqueueRun(Self.run("queued", at: 2), maxQueuedPerTeam: 100)
        _ = try await store.enqueueRun(Self.run("running", at: 1), maxQueuedPerTeam: 100)
        let claim = Self.claim("w1")
        #expect(try await store.claimRun(claim)?.id == "running")
        #expect(try await store.cancelRun(id: "queued", team: "b", at: 5) == nil)  // not team b's
        let cancelled = try #require(try await store.cancelRun(id: "queued", team: "a", at: 5))
        #expect(cancelled.status == .cancelled && cancelled.finishedAt == 5)
        let asked = try #require(try await store.cancelRun(id: "running", team: "a", at: 5))
        #expect(asked.status == .running && asked.cancelRequested)
        let renewal = try await store.renewLeases(worker: "w1", claims: [claim.token], until: 2_000)
        #expect(renewal.cancelRequested == [claim.token] && renewal.lost.isEmpty)
        #expect(try await store.claimRun(Self.claim("w2")) == nil)  // the cancelled run is not claimed
    }

    @Test(arguments: StoreKind.available)
    func retentionDeletesOnlyRunsThatEndedBeforeIt(kind: StoreKind) async throws {
        let store = try await kind.make().store
        for (id, time) in [("old", 1.0), ("new", 2.0), ("waiting", 3.0)] {
            _ = try await store.enqueueRun(Self.run(id, at: time), maxQueuedPerTeam: 100)
        }
        for (id, end) in [("old", 100.0), ("new", 300.0)] {
            let claim = Self.claim("w")
            #expect(try await store.claimRun(claim)?.id == id)
            #expect(
                try await store.finishRun(
                    id: id, claim: claim.token, ending: RunEnding(status: .failed, result: nil, at: end)))
        }
        #expect(try await store.purgeRuns(finishedBefore: 200) == 1)
        #expect(try await store.runs(team: "a", limit: 10, before: nil).map(\.id) == ["waiting", "new"])
    }

    /// A running run's flow can answer before its Async jobs end: the answer is stored under
    /// the claim, a waiter hears it, the ending replaces it, and a requeued run loses it.
    @Test(arguments: StoreKind.available)
    func aRunningRunAnswersUnderItsClaimAndTheEndingReplacesIt(kind: StoreKind) async throws {
        let store = try await kind.make().store
        _ = try await store.enqueueRun(Self.run("r1", at: 1), maxQueuedPerTeam: 10)
        #expect(try await store.runProgress(id: "r1", team: "a") == RunProgress(status: .queued, answered: false))
        #expect(try await !store.answerRun(id: "r1", claim: "nobody's", result: Data([7])))  // queued: no claim
        let claim = Self.claim("w1", now: 100)
        _ = try #require(try await store.claimRun(claim))
        let events = store.runEvents.stream()
        #expect(try await !store.answerRun(id: "r1", claim: "another claim", result: Data([7])))
        #expect(try await store.answerRun(id: "r1", claim: claim.token, result: Data([7])))
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == .answered("r1"))
        #expect(try await store.runProgress(id: "r1", team: "a") == RunProgress(status: .running, answered: true))
        #expect(try await store.runProgress(id: "r1", team: "b") == nil)  // another team's run looks missing
        #expect(try await store.run(id: "r1", team: "a")?.result == Data([7]))
        // The lease runs out: requeued, the answer of the lost attempt is gone.
        _ = try await store.recoverLostRuns(now: 200, maxAttempts: 3)
        #expect(try await store.runProgress(id: "r1", team: "a") == RunProgress(status: .queued, answered: false))
        let second = Self.claim("w2", now: 300)
        _ = try #require(try await store.claimRun(second))
        #expect(try await store.answerRun(id: "r1", claim: second.token, result: Data([8])))
        #expect(
            try await store.finishRun(
                id: "r1", claim: second.token, ending: RunEnding(status: .succeeded, result: Data([9]), at: 310)))
        #expect(try await !store.answerRun(id: "r1", claim: second.token, result: Data([8])))  // ended already
        #expect(try await store.run(id: "r1", team: "a")?.result == Data([9]))
    }

    @Test(arguments: StoreKind.available)
    func anotherNodeHearsOfQueuedAndFinishedRuns(kind: StoreKind) async throws {
        guard kind == .postgres else { return }  // SQLite's other processes poll
        let setup = try await kind.make()
        let other = try await setup.secondNode()
        other.watchRunEvents()
        let events = other.runEvents.stream()
        // The listener connects in the background (on a loaded machine, later than any fixed
        // wait): announce one run after another until one is heard queued, answered and finished.
        let complete = Mutex(false)
        let heard = Task {
            var seen: [RunEvents.Event] = []
            for await event in events {
                seen.append(event)
                if case .finished(let id) = event, seen.contains(.answered(id)), seen.contains(.queued) {
                    complete.withLock { $0 = true }
                    return seen
                }
            }
            return seen
        }
        for attempt in 1...40 where !complete.withLock({ $0 }) {
            let id = "r\(attempt)"
            _ = try await setup.store.enqueueRun(Self.run(id, at: Double(attempt)), maxQueuedPerTeam: 100)
            let claim = Self.claim("w", limit: 100)
            _ = try await setup.store.claimRun(claim)
            _ = try await setup.store.answerRun(id: id, claim: claim.token, result: Data([1]))
            _ = try await setup.store.finishRun(
                id: id, claim: claim.token, ending: RunEnding(status: .succeeded, result: nil, at: 2))
            try await Task.sleep(for: .milliseconds(250))
        }
        let timeout = Task {
            try await Task.sleep(for: .seconds(10))
            heard.cancel()
        }
        let seen = await heard.value
        timeout.cancel()
        let finished = seen.compactMap { event -> String? in
            if case .finished(let id) = event { return id }
            return nil
        }
        #expect(seen.contains(.queued) && finished.contains { seen.contains(.answered($0)) }, "\(seen)")
    }

    @Test(arguments: StoreKind.available)
    func aRunsRequestAndResultAreSealedToItsTeamAndSurviveKeyRotation(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "a")
        let canary = "CANARY-run-input-0123456789"
        let run = try vault.newRun(
            agent: "agent", agentVersion: 1, startedBy: "ann", request: Data(canary.utf8), at: 1)
        #expect(try await setup.store.enqueueRun(run, maxQueuedPerTeam: 10))
        let stored = try #require(try await setup.store.run(id: run.id, team: "a"))
        #expect(!String(decoding: stored.request, as: UTF8.self).contains(canary))
        #expect(try vault.openRequest(of: stored) == Data(canary.utf8))
        // The same row presented as another team's does not open.
        var moved = stored
        moved.team = "b"
        #expect(throws: VaultError.self) { try vault.forTeam("b").openRequest(of: moved) }

        let claim = Self.claim("w")
        _ = try await setup.store.claimRun(claim)
        let result = try vault.sealResult(Data("CANARY-output".utf8), of: stored)
        _ = try await setup.store.finishRun(
            id: run.id, claim: claim.token, ending: RunEnding(status: .succeeded, result: result, at: 2))

        try await MasterKey.rotateFile(home: setup.home, to: MasterKey.generate()) { key throws(VaultError) in
            try await vault.rewrapAll(with: key)
        }
        let reopened = try await setup.vault(team: "a")
        let after = try #require(try await setup.store.run(id: run.id, team: "a"))
        #expect(try reopened.openRequest(of: after) == Data(canary.utf8))
        #expect(try reopened.openResult(of: after) == Data("CANARY-output".utf8))
    }
}
