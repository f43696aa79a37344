import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// The authorizing transport against Authlib: an access token the provider revoked is answered
/// 401, and the transport refreshes once (rotating the refresh token) and retries once.
@Suite(.serialized) struct AuthorizingTransportPeerTests {
    @Test func aRevokedAccessTokenIsRefreshedOnceAndTheRequestRetried() async throws {
        let setup = try await TokenBrokerTests.Setup()
        defer { Task { await setup.close() } }
        let before = try #require(try await setup.vault.tokens(of: setup.id))
        // The provider revokes the access token only; the refresh token stays valid.
        let basic = "Basic " + Data("confidential-basic:secret-basic".utf8).base64EncodedString()
        let revoked = try await setup.transport.send(
            HTTPTransportRequest(
                method: "POST", url: setup.peer.baseURL + "/revoke",
                headers: [("Authorization", basic), ("Content-Type", "application/x-www-form-urlencoded")],
                body: Array(
                    FormEncoding.encode([("token", before.accessToken), ("token_type_hint", "access_token")]).utf8)),
            timeout: .seconds(10))
        #expect(revoked.status == 200)

        let transport = AuthorizingTransport(
            base: setup.transport,
            credentials: ConnectionCredentials(
                broker: TokenBroker(vault: setup.vault, transport: setup.transport), connection: setup.id))
        let response = try await transport.send(
            HTTPTransportRequest(method: "GET", url: setup.peer.baseURL + "/api/me"), timeout: .seconds(10))
        #expect(response.status == 200)
        #expect(try await setup.refreshCount() == 1)
        let stats = try await setup.transport.send(
            HTTPTransportRequest(method: "GET", url: setup.peer.baseURL + "/stats"), timeout: .seconds(10))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(stats.body)) as? [String: Any])
        #expect(json["api_rejections"] as? Int == 1 && json["api_calls"] as? Int == 2)
        let after = try #require(try await setup.vault.tokens(of: setup.id))
        #expect(after.accessToken != before.accessToken && after.refreshToken != before.refreshToken)
    }
}
