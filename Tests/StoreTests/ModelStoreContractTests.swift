import Foundation
import PostgresStore
import Testing
import Vault

/// The model routes' store contract, on every store: one route per team and name, never
/// another team's, a route only to the team's own connection, and no connection removed
/// while a route sends its credential, even when both happen at once.
struct ModelStoreContractTests {
    static func route(
        _ name: String, team: String = "a", connection: String? = nil, at time: Double = 100
    ) -> ModelRoute {
        ModelRoute(
            team: team, name: name, provider: .openai, baseURL: "https://api.openai.com/v1", connection: connection,
            upstreamModel: nil, createdAt: Date(timeIntervalSince1970: time),
            updatedAt: Date(timeIntervalSince1970: time))
    }

    @Test(arguments: StoreKind.available)
    func routesAreOnePerTeamAndNameAndKeepWhenTheyWereCreated(kind: StoreKind) async throws {
        let store = try await kind.make().store
        let gpt = try #require(try await store.putModelRoute(Self.route("gpt-4o-mini")))
        #expect(gpt == Self.route("gpt-4o-mini"))
        _ = try await store.putModelRoute(Self.route("claude", team: "a"))
        _ = try await store.putModelRoute(Self.route("gpt-4o-mini", team: "b"))
        var replaced = Self.route("gpt-4o-mini", at: 500)
        replaced.provider = .openaiCompatible
        replaced.baseURL = "http://127.0.0.1:11434/v1"
        replaced.upstreamModel = "llama3.1"
        let stored = try #require(try await store.putModelRoute(replaced))
        #expect(stored.provider == .openaiCompatible && stored.upstreamModel == "llama3.1")
        #expect(stored.createdAt == Date(timeIntervalSince1970: 100))
        #expect(stored.updatedAt == Date(timeIntervalSince1970: 500))
        #expect(try await store.modelRoute(team: "a", name: "gpt-4o-mini") == stored)
        #expect(try await store.modelRoutes(team: "a").map(\.name) == ["claude", "gpt-4o-mini"])
        #expect(try await store.modelRoutes(team: "b") == [Self.route("gpt-4o-mini", team: "b")])
        #expect(try await store.modelRoute(team: "c", name: "claude") == nil)
        #expect(try await !store.deleteModelRoute(team: "b", name: "claude"))
        #expect(try await store.deleteModelRoute(team: "a", name: "claude"))
        #expect(try await !store.deleteModelRoute(team: "a", name: "claude"))
        #expect(try await store.modelRoutes(team: "a").map(\.name) == ["gpt-4o-mini"])
    }

    @Test(arguments: StoreKind.available)
    func aRouteNamesOnlyItsTeamsConnectionAndKeepsItFromBeingDeleted(kind: StoreKind) async throws {
        let store = try await kind.make().store
        try await store.insert(StoreContractTests.connection("kc_a", team: "a"))
        try await store.insert(StoreContractTests.connection("kc_b", team: "b"))
        #expect(try await store.putModelRoute(Self.route("m", connection: "kc_b")) == nil)
        #expect(try await store.putModelRoute(Self.route("m", connection: "kc_missing")) == nil)
        #expect(try await store.modelRoutes(team: "a").isEmpty)
        #expect(try await store.putModelRoute(Self.route("m", connection: "kc_a"))?.connection == "kc_a")
        #expect(try await store.putModelRoute(Self.route("n", connection: "kc_a")) != nil)
        await #expect(throws: VaultError.connectionInUse(connection: "kc_a", models: ["m", "n"])) {
            try await store.delete(id: "kc_a", team: "a")
        }
        #expect(try await store.fetch(id: "kc_a", team: "a") != nil)
        // Team b's connection is not held by team a's routes, nor a missing one reported in use.
        #expect(try await store.delete(id: "kc_b", team: "b"))
        #expect(try await !store.delete(id: "kc_a", team: "b"))
        #expect(try await store.deleteModelRoute(team: "a", name: "m"))
        #expect(try await store.deleteModelRoute(team: "a", name: "n"))
        #expect(try await store.delete(id: "kc_a", team: "a"))
    }

    /// Deletes team a's connection `id`: nil when routes use it.
    static func deleteUnlessInUse(_ id: String, store: any FullStore) async throws -> Bool? {
        do { return try await store.delete(id: id, team: "a") } catch VaultError.connectionInUse { return nil }
    }

    /// A route written on one node while another deletes its connection: either the route
    /// is refused (the connection was gone) or the delete is (the route was there), never both
    /// written.
    @Test(arguments: StoreKind.available)
    func aRouteAndTheDeleteOfItsConnectionAtOnceNeverLeaveADanglingRoute(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let other = try await setup.secondNode()
        for round in 0..<20 {
            let id = "kc_\(round)"
            try await setup.store.insert(StoreContractTests.connection(id))
            async let put = setup.store.putModelRoute(Self.route("m\(round)", connection: id))
            async let deleted = Self.deleteUnlessInUse(id, store: other)
            let (route, removed) = try await (put, deleted)
            if route != nil {
                #expect(removed == nil, "round \(round): the route was written and its connection deleted")
                #expect(try await setup.store.fetch(id: id, team: "a") != nil)
            } else {
                #expect(removed == true, "round \(round): the route was refused but the connection is there")
            }
        }
    }
}
