import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// Logins in progress live in the store, not in one process's memory: a login started by one
/// process is finished by another sharing the vault, once only, and the store keeps neither
/// the `state` nor the PKCE verifier in the clear.
@Suite(.serialized) struct PersistedLoginTests {
    @Test func aLoginStartedByOneProcessIsFinishedByAnotherOnceOnly() async throws {
        let peer = try PeerServer(script: "authlib_server.py")
        defer { peer.stop() }
        let home = try TestHome()
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        // Two vaults on the same file, as two processes (or nodes) would have.
        let first = try await home.open()
        let second = try await home.open()
        let id = try await addPeerConnection(first, peer: peer)
        let started = try await AuthorizationFlows(vault: first, transport: transport, callbacks: TestHome.callbacks)
            .start(id)
        guard case .browser(let url) = started else { Issue.record("expected a browser login"); return }
        let state = try #require(FormEncoding.fields(try RequestURL(url).query ?? "")["state"])
        let bytes = try home.vaultBytes()
        #expect(!bytes.contains(state), "the state is stored only as a hash")

        let callback = try RequestURL(try await ConsentPage.decide(url, approve: true, using: transport))
        let other = AuthorizationFlows(vault: second, transport: transport, callbacks: TestHome.callbacks)
        #expect(await other.hasPendingLogins)
        // Two callbacks with the same state at once: exactly one finishes the login.
        async let a = Self.outcome { try await other.complete(path: callback.path, query: callback.query ?? "") }
        async let b = Self.outcome { try await other.complete(path: callback.path, query: callback.query ?? "") }
        let outcomes = await [a, b]
        #expect(outcomes.filter { $0 == "ready" }.count == 1, "\(outcomes)")
        #expect(outcomes.filter { $0 == "unknownLogin" }.count == 1, "\(outcomes)")
        await #expect(try first.connection(id).status == .ready)
        #expect(await !other.hasPendingLogins)
    }

    /// What one completion did: the connection's status, or the flow error's case.
    static func outcome(_ body: () async throws -> Connection) async -> String {
        do { return try await body().status.rawValue } catch FlowError.unknownLogin { return "unknownLogin" } catch {
            return "\(error)"
        }
    }

    @Test func anotherTeamsFlowsCannotFinishTheLogin() async throws {
        let peer = try PeerServer(script: "authlib_server.py")
        defer { peer.stop() }
        let home = try TestHome()
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let vault = try await home.open()
        let id = try await addPeerConnection(vault, peer: peer)
        guard
            case .browser(let url) = try await AuthorizationFlows(
                vault: vault, transport: transport, callbacks: TestHome.callbacks
            ).start(id)
        else {
            Issue.record("expected a browser login"); return
        }
        let callback = try RequestURL(try await ConsentPage.decide(url, approve: true, using: transport))
        let otherTeam = await AuthorizationFlows(
            vault: try home.open(team: "other"), transport: transport, callbacks: TestHome.callbacks)
        await #expect(throws: FlowError.unknownLogin) {
            try await otherTeam.complete(path: callback.path, query: callback.query ?? "")
        }
        // The login is still there for its own team.
        let own = AuthorizationFlows(vault: vault, transport: transport, callbacks: TestHome.callbacks)
        #expect(try await own.complete(path: callback.path, query: callback.query ?? "").status == .ready)
    }
}
