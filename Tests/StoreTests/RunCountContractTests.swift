import Foundation
import Testing
import Vault

/// `RunCounting`, on every store: the queued runs of every team, and only those.
struct RunCountContractTests {
    @Test(arguments: StoreKind.available)
    func queuedRunsAreCountedAcrossTeamsAndClaimedOnesAreNot(kind: StoreKind) async throws {
        let store = try await kind.make().store
        let counting = try #require(store as? any RunCounting)
        #expect(try await counting.countQueuedRuns() == 0)
        for (index, team) in ["a", "a", "b"].enumerated() {
            #expect(
                try await store.enqueueRun(
                    RunStoreContractTests.run("r\(index)", team: team, at: Double(index)), maxQueuedPerTeam: 10))
        }
        #expect(try await counting.countQueuedRuns() == 3)
        let claimed = try #require(try await store.claimRun(RunStoreContractTests.claim("w1")))
        #expect(try await counting.countQueuedRuns() == 2)
        _ = try await store.finishRun(
            id: claimed.id, claim: claimed.claim ?? "", ending: RunEnding(status: .succeeded, result: nil, at: 1_010))
        #expect(try await counting.countQueuedRuns() == 2)
    }
}
