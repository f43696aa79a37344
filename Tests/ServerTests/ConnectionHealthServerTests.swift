import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OAuthCore
import Runtime
import Server
import TestSupport
import Testing
import Vault

/// Connection health where people see it: the Vault page's banner and column, the JSON API.
struct ConnectionHealthServerTests {
    @Test func aFailedUseAndANeedsReauthAreShownOnThePageAndInTheAPI() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        let vault = root.forTeam(Vault.localTeam)
        let id = try await ProviderConnection.add(to: vault, baseURL: "https://auth.example", name: "CRM")
        let now = Date().timeIntervalSince1970
        try await vault.storeTokens(
            id,
            ConnectionTokens(
                accessToken: "SECRET-access-token-1", refreshToken: "SECRET-refresh-token-1",
                refreshTokenExpiresAt: now + 30 * 86400 + 600))
        await vault.events.emit(VaultEvent(.connectionRefresh, team: vault.team, at: now - 60, connection: id))
        await vault.events.emit(
            VaultEvent(
                .credentialUse, team: vault.team, at: now - 30, connection: id, method: "GET",
                origin: "https://api.example.com", path: "/v1/me", status: 200))
        await vault.events.emit(
            VaultEvent(
                .credentialUse, team: vault.team, at: now, connection: id, method: "GET",
                origin: "https://api.example.com", path: "/v1/me", status: 401, succeeded: false))
        await vault.events.flush()
        try await vault.setStatus(id, .needsReauth, reason: "invalid_grant: refresh token revoked")

        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/vault", method: .get)
            let html = String(buffer: page.body)
            #expect(html.contains("class=\"banner banner-needs-reauth\""))
            #expect(html.contains("needs a new login: invalid_grant: refresh token revoked."))
            #expect(html.contains("Last used ") && html.contains("last failure "))
            #expect(html.contains("(HTTP 401 from api.example.com)"))
            #expect(html.contains("refresh token expires in 30 days"))
            #expect(!html.contains("SECRET-"))
            // No inline style or script: the page's CSP has no 'unsafe-inline'.
            #expect(!html.contains("style=") && !html.contains("<script>"))

            let list = ConnectionsAPITests.json(
                try await client.execute(uri: "/api/v1/connections", method: .get).body)
            let health = try #require(list.arrayValue?.first?["health"])
            #expect(health["last_failure_reason"] == .string("HTTP 401 from api.example.com"))
            #expect(health["last_failure_at"] == .number(now.rounded()))
            #expect(health["last_success_at"] == .number((now - 30).rounded()))
            #expect(health["last_refresh_at"] == .number((now - 60).rounded()))
            let one = ConnectionsAPITests.json(
                try await client.execute(uri: "/api/v1/connections/\(id)", method: .get).body)
            #expect(one["health"]?["last_failure_reason"] == .string("HTTP 401 from api.example.com"))
            #expect(one["status"] == .string("needs-reauth"))
        }

        // Logged in again: the banner says it recovered.
        try await vault.storeTokens(id, ConnectionTokens(accessToken: "SECRET-access-token-2"))
        try await app.test(.router) { client in
            let html = String(buffer: try await client.execute(uri: "/vault", method: .get).body)
            #expect(html.contains("class=\"banner banner-recovered\"") && html.contains("recovered: ready again since"))
            #expect(!html.contains("banner-needs-reauth"))
        }
    }
}

/// The status webhook: Standard Webhooks signatures checked by an independent receiver
/// (peers/webhook_receiver.py: the `standardwebhooks` reference library and Python's hmac),
/// retries with backoff, dead letters.
@Suite(.serialized) struct StatusWebhookTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    @Test func theSignatureIsTheSpecsExample() throws {
        // The example of the Standard Webhooks spec (and of its reference libraries' tests).
        let signature = try WebhookSignature(secret: Self.secret)
        #expect(
            signature.sign(
                id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8)
            )
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(throws: WebhookSignature.InvalidSecret.self) { try WebhookSignature(secret: "short") }
        #expect(throws: WebhookSignature.InvalidSecret.self) { try WebhookSignature(secret: "whsec_###") }
        #expect(try StatusWebhookConfiguration.fromEnvironment([:]) == nil)
        #expect(throws: (any Error).self) {
            try StatusWebhookConfiguration.fromEnvironment(["KEYFLOW_WEBHOOK_URL": "https://hooks.example/x"])
        }
    }

    /// A vault with one ready connection, and the receiver.
    struct Setup {
        let vault: Vault
        let receiver: PeerServer
        let transport: AsyncHTTPTransport
        let id: String

        init(failFirst: Int) async throws {
            receiver = try PeerServer(
                script: "webhook_receiver.py",
                arguments: ["--secret", StatusWebhookTests.secret, "--fail-first", "\(failFirst)"])
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "keyflow-webhook-\(UUID().uuidString)")
            vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
            id = try await ProviderConnection.add(to: vault, baseURL: "https://auth.example", name: "CRM")
            try await vault.storeTokens(id, ConnectionTokens(accessToken: "SECRET-at", refreshToken: "SECRET-rt"))
            // serve's transport: internal addresses refused, except the operator's webhook on loopback.
            transport = AsyncHTTPTransport(addressPolicy: .publicOnly())
        }

        func sender(maxAttempts: Int = 8) throws -> StatusWebhookSender {
            var configuration = StatusWebhookConfiguration(
                url: receiver.baseURL + "/hook", signature: try WebhookSignature(secret: StatusWebhookTests.secret))
            configuration.firstBackoff = 0.3
            configuration.maxBackoff = 1
            configuration.maxAttempts = maxAttempts
            return StatusWebhookSender(store: vault.store, transport: transport, configuration: configuration)
        }

        func deliveries() async throws -> [[String: Any]] {
            var request = HTTPTransportRequest(method: "GET", url: receiver.baseURL + "/deliveries")
            request.allowsLoopback = true
            let response = try await transport.send(request, timeout: .seconds(5))
            return try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]] ?? []
        }

        func close() async {
            receiver.stop()
            try? await transport.shutdown()
        }
    }

    @Test func aNeedsReauthIsDeliveredSignedAfterTheReceiverFailedTwice() async throws {
        let setup = try await Setup(failFirst: 2)
        try await setup.vault.setStatus(setup.id, .needsReauth, reason: "invalid_grant: refresh token revoked")
        let sender = try setup.sender()
        var state = StatusChangeState.pending
        let started = Date()
        while state == .pending, Date().timeIntervalSince(started) < 20 {
            await sender.deliverDue()
            state = try await setup.vault.store.statusChanges(team: setup.vault.team).first?.state ?? .dead
            try await Task.sleep(for: .milliseconds(50))
        }
        let entry = try #require(try await setup.vault.store.statusChanges(team: setup.vault.team).first)
        #expect(entry.state == .delivered && entry.attempts == 3)
        let deliveries = try await setup.deliveries()
        #expect(deliveries.map { $0["status"] as? Int } == [503, 503, 200])
        #expect(deliveries.allSatisfy { $0["verified"] as? Bool == true })
        let checks = deliveries.compactMap { $0["checks"] as? [String: Any] }
        // By hand with hmac, and by the reference library (peers/requirements.txt pins it).
        #expect(checks.allSatisfy { $0["hmac"] as? Bool == true && $0["standardwebhooks"] as? Bool == true })
        // One message id on every attempt; the waits grow (0.3 s, then 0.6 s, with 20% jitter at most).
        #expect(Set(deliveries.compactMap { $0["id"] as? String }) == [entry.change.id])
        let times = deliveries.compactMap { $0["received_at"] as? Double }
        #expect(times.count == 3 && times[1] - times[0] >= 0.24 && times[2] - times[1] >= 0.48)
        let payload = try #require(deliveries.last?["payload"] as? [String: Any])
        #expect(payload["type"] as? String == "connection.needs_reauth")
        #expect((payload["timestamp"] as? String)?.hasSuffix("Z") == true)
        let data = try #require(payload["data"] as? [String: Any])
        #expect(data["connection"] as? String == setup.id && data["name"] as? String == "CRM")
        #expect(data["team"] as? String == "local" && data["kind"] as? String == "custom-oauth2")
        #expect(data["status"] as? String == "needs-reauth")
        #expect(data["reason"] as? String == "invalid_grant: refresh token revoked")
        #expect(!String(describing: deliveries).contains("SECRET-"))
        // Delivered: nothing more is sent.
        #expect(await sender.deliverDue() == 0)
        await setup.close()
    }

    @Test func aChangeTheReceiverNeverTakesIsMarkedDeadAfterItsAttempts() async throws {
        let setup = try await Setup(failFirst: 100)
        try await setup.vault.setStatus(setup.id, .needsReauth, reason: "revoked")
        try await setup.vault.storeTokens(setup.id, ConnectionTokens(accessToken: "SECRET-at-2"))
        let sender = try setup.sender(maxAttempts: 2)
        let started = Date()
        while Date().timeIntervalSince(started) < 10,
            try await setup.vault.store.statusChanges(team: setup.vault.team).contains(where: { $0.state == .pending })
        {
            await sender.deliverDue()
            try await Task.sleep(for: .milliseconds(50))
        }
        let entries = try await setup.vault.store.statusChanges(team: setup.vault.team)
        #expect(entries.map(\.change.type) == [.needsReauth, .recovered])
        #expect(entries.allSatisfy { $0.state == .dead && $0.attempts == 2 })
        #expect(entries.allSatisfy { $0.lastError == "the receiver answered HTTP 503" })
        #expect(try await setup.deliveries().count == 4)
        await setup.close()
    }
}
