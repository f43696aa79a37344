import Foundation
import Logging
import OAuthCore
import Runtime
import ServiceLifecycle
import Vault

/// Where and how `keyflow serve` reports connections that turn `needs-reauth` or recover:
/// `KEYFLOW_WEBHOOK_URL`, signed with `KEYFLOW_WEBHOOK_SECRET`.
public struct StatusWebhookConfiguration: Sendable {
    /// The receiver (operator-configured: a loopback address is allowed).
    public var url: String
    /// The signing key.
    public var signature: WebhookSignature
    /// Each request's timeout.
    public var timeout: Duration = .seconds(10)
    /// Attempts before a change is marked dead (and logged).
    public var maxAttempts = 8
    /// The wait after the first failure, in seconds; it doubles after each, up to `maxBackoff`.
    public var firstBackoff: Double = 5
    /// The longest wait between attempts, in seconds.
    public var maxBackoff: Double = 600
    /// How often the outbox is looked at.
    public var pollInterval: Duration = .seconds(2)
    /// How long a claimed change is held before another sender may take it over (longer than `timeout`).
    public var lease: Double = 60

    /// A configuration with the default timings.
    public init(url: String, signature: WebhookSignature) {
        self.url = url
        self.signature = signature
    }

    /// From `KEYFLOW_WEBHOOK_URL` and `KEYFLOW_WEBHOOK_SECRET`; nil without a URL. A URL without
    /// a secret, or one that is not http(s), is an error (never reported with the secret).
    public static func fromEnvironment(_ environment: [String: String]) throws -> StatusWebhookConfiguration? {
        guard let url = environment["KEYFLOW_WEBHOOK_URL"], !url.isEmpty else { return nil }
        guard let parsed = try? RequestURL(url), parsed.scheme == "https" || parsed.scheme == "http" else {
            throw WebhookSignature.InvalidSecret(description: "KEYFLOW_WEBHOOK_URL must be an http or https URL")
        }
        guard let secret = environment["KEYFLOW_WEBHOOK_SECRET"], !secret.isEmpty else {
            throw WebhookSignature.InvalidSecret(
                description: "KEYFLOW_WEBHOOK_URL is set but KEYFLOW_WEBHOOK_SECRET is not: webhooks are always signed")
        }
        return StatusWebhookConfiguration(url: url, signature: try WebhookSignature(secret: secret))
    }
}

/// Sends the outbox's status changes to the webhook, one claimed row at a time: a row is
/// leased to one sender (so with several nodes exactly one sends it), sent with its stable
/// `webhook-id`, and on failure retried with exponential backoff until `maxAttempts`, then
/// marked dead and logged. A sender that dies mid-send loses its lease and another one
/// retries (receivers deduplicate on `webhook-id`, as the Standard Webhooks spec says).
public struct StatusWebhookSender: Service {
    let store: any StatusOutboxStore
    let transport: any HTTPTransport
    let configuration: StatusWebhookConfiguration
    let owner: String
    let clock: @Sendable () -> Date
    let logger = Logger(label: "keyflow.webhook")

    /// A sender of `store`'s outbox through `transport`.
    public init(
        store: any StatusOutboxStore, transport: any HTTPTransport, configuration: StatusWebhookConfiguration,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.transport = transport
        self.configuration = configuration
        self.clock = clock
        owner =
            "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(SecureRandom.token().prefix(8))"
    }

    /// Sends due changes every `pollInterval` until the service group shuts down.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await deliverDue()
                try? await Task.sleep(for: configuration.pollInterval)
            }
        }
    }

    /// One pass: claims the due changes and sends each once. Returns how many were attempted.
    @discardableResult
    public func deliverDue(limit: Int = 20) async -> Int {
        let now = clock().timeIntervalSince1970
        let claimed: [ClaimedStatusChange]
        do {
            claimed = try await store.claimStatusChanges(
                owner: owner, now: now, leaseUntil: now + configuration.lease,
                createdAfter: now - StatusOutbox.sendWithin, limit: limit)
        } catch {
            logger.warning("webhook outbox not read: \(error.message)")
            return 0
        }
        for item in claimed { await deliver(item) }
        return claimed.count
    }

    private func deliver(_ item: ClaimedStatusChange) async {
        let failure = await send(item.change)
        let now = clock().timeIntervalSince1970
        let state: StatusChangeState
        var next = now
        if failure == nil {
            state = .delivered
        } else if item.attempts >= configuration.maxAttempts {
            state = .dead
            logger.error(
                "webhook \(item.change.id) (\(item.change.type.rawValue), connection \(item.change.connection)) not delivered after \(item.attempts) attempts: \(failure ?? "")"
            )
        } else {
            state = .pending
            next = now + backoff(afterAttempt: item.attempts)
        }
        do {
            _ = try await store.finishStatusChange(
                id: item.change.id, claim: item.claim, state: state, nextAttemptAt: next, error: failure, at: now)
        } catch {
            // The lease runs out and the change is sent again: receivers deduplicate on webhook-id.
            logger.warning("webhook \(item.change.id): its outcome was not recorded: \(error.message)")
        }
    }

    /// The wait after attempt `attempt` failed: `firstBackoff` doubling, at most `maxBackoff`,
    /// with up to 20% jitter so that many failures do not retry in step.
    func backoff(afterAttempt attempt: Int) -> Double {
        let exponent = Double(min(max(attempt - 1, 0), 30))
        let base = min(configuration.firstBackoff * pow(2, exponent), configuration.maxBackoff)
        return base * Double.random(in: 0.8...1.0)
    }

    /// Sends one change; nil when the receiver answered 2xx, else why not (without the URL's
    /// query or the secret).
    func send(_ change: StatusChange) async -> String? {
        let body = Array(JSONWriter.string(Self.payload(change)).utf8)
        let timestamp = Int64(clock().timeIntervalSince1970.rounded(.down))
        var request = HTTPTransportRequest(
            method: "POST", url: configuration.url,
            headers: [
                ("Content-Type", "application/json"),
                ("webhook-id", change.id),
                ("webhook-timestamp", String(timestamp)),
                ("webhook-signature", configuration.signature.sign(id: change.id, timestamp: timestamp, body: body)),
                ("User-Agent", "keyflow-webhook"),
            ], body: body)
        request.allowsLoopback = true  // operator-configured, not a team's input
        request.maxResponseBytes = 64 * 1024
        do {
            let response = try await transport.send(request, timeout: configuration.timeout)
            return (200..<300).contains(response.status) ? nil : "the receiver answered HTTP \(response.status)"
        } catch let error as HTTPTransportError {
            return error.description
        } catch {
            return "the request failed"
        }
    }

    /// The body: `{"type", "timestamp", "data": {team, connection, name, kind, status, reason}}`.
    static func payload(_ change: StatusChange) -> JSONValue {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return .object(
            JSONObject([
                ("type", .string(change.type.rawValue)),
                ("timestamp", .string(formatter.string(from: Date(timeIntervalSince1970: change.at)))),
                (
                    "data",
                    .object(
                        JSONObject([
                            ("team", .string(change.team)), ("connection", .string(change.connection)),
                            ("name", .string(change.name)), ("kind", .string(change.kind)),
                            ("status", .string(change.status)),
                            ("reason", change.reason.map(JSONValue.string) ?? .null),
                        ]))
                ),
            ]))
    }
}
