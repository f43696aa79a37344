import Foundation
import OAuthCore
import Runtime
import TestSupport
import Testing
import Vault

/// The vault's store failing during pre-flight (PostgreSQL restarting) is not a missing
/// connection: the problem says the store could not be read, and the error is marked so the
/// server answers 503 (try again) instead of blaming the agent.
struct StoreOutagePreflightTests {
    @Test func anUnreachableStoreIsNotAMissingConnection() async throws {
        let home = KeyflowHome(
            directory: FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-outage-\(UUID())"))
        let store = InstrumentedStore(try SQLiteVaultStore(path: home.vaultPath))
        let vault = try await Vault.open(home: home, store: store).vault
        let id = try await ProviderConnection.add(to: vault, baseURL: "https://a.example", name: "CRM")
        let agent = try singleComponentAgent(
            type: "APICall", data: #"{"url": "https://a.example/me", "method": "GET", "oauth_con_id": "\#(id)"}"#,
            outputs: ["Response"])
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let preflight = Preflight(vault: vault, broker: TokenBroker(vault: vault, transport: transport), login: nil)

        store.down = true
        let error = await #expect(throws: PreflightError.self) { try await preflight.resolve(agent, agentID: "a") }
        #expect(error?.storeUnavailable == true)
        let message = error?.description ?? ""
        #expect(!message.contains("no vault connection") && message.contains("cannot be read"), "\(message)")

        // With the store back, the same connection is found (it needs a login, as it should).
        store.down = false
        let again = await #expect(throws: PreflightError.self) { try await preflight.resolve(agent, agentID: "a") }
        #expect(again?.storeUnavailable == false && again?.description.contains("not authenticated") == true)
    }
}
