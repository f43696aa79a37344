import Foundation
import OAuthCore
import Server
import TestSupport
import Testing
import Vault

/// Two `keyflow serve` nodes sending the status webhook from one store: each change reaches
/// the receiver exactly once (claims with `FOR UPDATE SKIP LOCKED` on PostgreSQL).
@Suite(.serialized) struct StatusWebhookNodesTests {
    @Test(arguments: StoreKind.available)
    func twoSendersDeliverEachChangeExactlyOnce(kind: StoreKind) async throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let receiver = try PeerServer(script: "webhook_receiver.py", arguments: ["--secret", secret])
        defer { receiver.stop() }
        let setup = try await kind.make()
        let vault = try await setup.vault()
        var ids: [String] = []
        for n in 0..<6 {
            let id = try await ProviderConnection.add(to: vault, baseURL: "https://auth.example", name: "C\(n)")
            try await vault.storeTokens(id, ConnectionTokens(accessToken: "at"))
            try await vault.setStatus(id, .needsReauth, reason: "revoked \(n)")
            ids.append(id)
        }
        let transport = AsyncHTTPTransport(addressPolicy: .publicOnly())
        defer { Task { try? await transport.shutdown() } }
        var configuration = StatusWebhookConfiguration(
            url: receiver.baseURL + "/hook", signature: try WebhookSignature(secret: secret))
        configuration.maxAttempts = 3
        let senders = [
            StatusWebhookSender(store: setup.store, transport: transport, configuration: configuration),
            StatusWebhookSender(
                store: try await setup.secondNode(), transport: transport, configuration: configuration),
        ]
        // Both nodes look at once, one change at a time, several times over.
        await withTaskGroup(of: Void.self) { group in
            for sender in senders {
                group.addTask { for _ in 0..<8 { await sender.deliverDue(limit: 1) } }
            }
        }
        let response = try await transport.send(
            {
                var request = HTTPTransportRequest(method: "GET", url: receiver.baseURL + "/deliveries")
                request.allowsLoopback = true
                return request
            }(), timeout: .seconds(5))
        let deliveries = try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]] ?? []
        let connections = deliveries.compactMap { ($0["payload"] as? [String: Any])?["data"] as? [String: Any] }
            .compactMap { $0["connection"] as? String }
        #expect(connections.sorted() == ids.sorted())
        #expect(deliveries.allSatisfy { $0["verified"] as? Bool == true })
        let entries = try await setup.store.statusChanges(team: vault.team)
        #expect(entries.count == 6 && entries.allSatisfy { $0.state == .delivered && $0.attempts == 1 })
    }
}
