import Accounts
import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Testing
import Vault

/// When the store cannot be reached (PostgreSQL restarting), a caller's token is not "invalid":
/// the server says the store is unavailable (503), and the caller keeps its token.
struct StoreOutageAuthenticationTests {
    /// An account store whose database is down.
    struct UnreachableAccounts: AccountStore {
        let error = VaultError.storage(
            "PostgreSQL: the connection was closed (the server restarted or the network failed)")
        func addUser(_ user: StoredUser) async throws(VaultError) { throw error }
        func user(tokenHash: String) async throws(VaultError) -> StoredUser? { throw error }
        func users() async throws(VaultError) -> [StoredUser] { throw error }
        func replaceUserToken(id: String, tokenHash: String) async throws(VaultError) -> Bool { throw error }
        func deleteUser(id: String) async throws(VaultError) -> Bool { throw error }
        func insertSession(_ session: StoredSession) async throws(VaultError) { throw error }
        func session(idHash: String) async throws(VaultError) -> StoredSession? { throw error }
        func deleteSession(idHash: String) async throws(VaultError) -> Bool { throw error }
        func deleteSessions(userID: String) async throws(VaultError) -> Int { throw error }
        func purgeSessions(expiredBefore time: Double) async throws(VaultError) -> Int { throw error }
    }

    @Test func aStoreOutageIsA503NeverAnInvalidToken() async throws {
        let router = Router(context: KeyflowRequestContext.self)
        router.middlewares.add(TeamAuthentication(store: UnreachableAccounts()))
        router.get("/probe") { _, _ in "reached" }
        try await Application(router: router).test(.router) { client in
            for headers: HTTPFields in [[.authorization: "Bearer kft_valid-token"], [:]] {
                let response = try await client.execute(uri: "/probe", method: .get, headers: headers)
                #expect(response.status == .serviceUnavailable)
                let body = String(buffer: response.body)
                #expect(body.contains("store_unavailable") && !body.contains("not valid"), "\(body)")
            }
        }
    }
}
