import Foundation
import OAuthCore

/// Sends completions to an LLM provider through an `HTTPTransport` and retries what can be
/// retried. The transport adds the credential (the connection's API key header): the client
/// never sees it, but `redact` is applied to every provider text it puts in an error, because
/// a provider's 401 can echo the key.
///
/// Retries: a 429, a 5xx or a lost connection is tried again, up to `policy.attempts` requests
/// in all, after a jittered doubling backoff or the provider's `Retry-After` (capped). Every
/// wait counts against the caller's deadline: a wait that would end after it is not started.
public struct LLMClient: Sendable {
    /// Where requests go; it adds the credential.
    public let transport: any HTTPTransport
    /// How often and how long to retry.
    public let policy: LLMRetryPolicy
    /// Applied to every provider text an error carries (the connection's secrets masked).
    public let redact: @Sendable (String) -> String
    private let sleep: @Sendable (Duration) async throws -> Void
    private let random: @Sendable () -> Double

    /// A client sending through `transport`, retrying by `policy`, masking provider text with `redact`.
    public init(
        transport: any HTTPTransport, policy: LLMRetryPolicy = LLMRetryPolicy(),
        redact: @escaping @Sendable (String) -> String = { $0 }
    ) {
        self.init(
            transport: transport, policy: policy, redact: redact, sleep: { try await Task.sleep(for: $0) },
            random: { Double.random(in: 0...1) })
    }

    /// A client whose waits go through `sleep` and whose jitter comes from `random` (0...1):
    /// tests record the waits instead of sleeping them.
    package init(
        transport: any HTTPTransport, policy: LLMRetryPolicy, redact: @escaping @Sendable (String) -> String,
        sleep: @escaping @Sendable (Duration) async throws -> Void, random: @escaping @Sendable () -> Double
    ) {
        self.transport = transport
        self.policy = policy
        self.redact = redact
        self.sleep = sleep
        self.random = random
    }

    /// Asks `baseURL`'s model for a completion of `request` in `api`'s shape.
    /// - Parameters:
    ///   - deadline: when the run's time is up; no attempt starts and no wait ends after it.
    ///   - maxResponseBytes: the largest answer body read (the run's limit), else the transport's.
    public func complete(
        _ request: LLMRequest, api: LLMAPI, baseURL: String, deadline: ContinuousClock.Instant? = nil,
        maxResponseBytes: Int? = nil
    ) async throws(LLMError) -> LLMReply {
        let body: JSONValue
        switch api {
        case .openAIChat: body = OpenAIChatWire.body(request)
        case .anthropicMessages: body = try AnthropicMessagesWire.body(request)
        }
        var outgoing = HTTPTransportRequest(
            method: "POST", url: api.endpoint(baseURL: baseURL), headers: api.headers,
            body: Array(JSONWriter.string(body).utf8))
        outgoing.maxResponseBytes = maxResponseBytes

        let clock = ContinuousClock()
        var attempts = 0
        var waited = Duration.zero
        while true {
            if Task.isCancelled { throw .cancelled }
            var timeout = policy.attemptTimeout
            if let deadline {
                let left = clock.now.duration(to: deadline)
                guard left > .zero else {
                    throw .outOfTime(
                        attempts: attempts, message: "the run's time was up before attempt \(attempts + 1) was sent")
                }
                timeout = min(timeout, left)
            }
            attempts += 1
            let failure: LLMRetryableFailure
            switch try await attempt(outgoing, api: api, timeout: timeout) {
            case .answer(let answer):
                return LLMReply(
                    text: answer.text, usage: answer.usage, finishReason: answer.finishReason,
                    model: answer.model ?? request.model, attempts: attempts, waited: waited)
            case .retry(let retryable): failure = retryable
            }
            guard attempts < policy.attempts else { throw failure.exhausted(attempts: attempts) }

            let wait =
                failure.retryAfter.map(policy.wait(forRetryAfter:))
                ?? policy.backoff(afterFailures: attempts, random: random())
            if let deadline {
                // Sleeping into the deadline only to fail there wastes the run's time: fail now.
                let left = clock.now.duration(to: deadline)
                if wait >= left {
                    let asked = failure.retryAfter.map { "asked to wait \(LLMError.seconds($0)) s" } ?? ""
                    let next = asked.isEmpty ? "the next attempt is due in \(LLMError.seconds(wait)) s" : asked
                    throw .outOfTime(
                        attempts: attempts,
                        message:
                            "\(failure.summary) and \(next), but the run has \(LLMError.seconds(max(.zero, left))) s "
                            + "left (after \(attempts) \(LLMError.plural(attempts)))")
                }
            }
            do { try await sleep(wait) } catch { throw .cancelled }
            waited += wait
        }
    }

    /// One request's outcome: an answer, a failure worth another attempt, or (thrown) one that is not.
    private enum Outcome {
        case answer(LLMAnswer)
        case retry(LLMRetryableFailure)
    }

    private func attempt(_ request: HTTPTransportRequest, api: LLMAPI, timeout: Duration) async throws(LLMError)
        -> Outcome
    {
        let response: HTTPTransportResponse
        do {
            response = try await transport.send(request, timeout: timeout)
        } catch let error as HTTPTransportError {
            switch error {
            case .timeout, .network: return .retry(.transport(safe(error.description)))
            case .cancelled: throw .cancelled
            case .responseTooLarge: throw .badResponse(safe(error.description))
            case .addressRefused: throw .transport(safe(error.description))
            }
        } catch {
            // Not the network: the credential could not be had (a vault or broker error), or
            // the task was cancelled. Neither is fixed by trying again at once.
            if error is CancellationError || Task.isCancelled { throw .cancelled }
            throw .transport(safe(String(describing: error)))
        }
        return try classify(response, api: api)
    }

    /// What a response means: 2xx an answer, 429/5xx retryable, every other status thrown.
    private func classify(_ response: HTTPTransportResponse, api: LLMAPI) throws(LLMError) -> Outcome {
        let status = response.status
        if (200..<300).contains(status) {
            do {
                switch api {
                case .openAIChat: return .answer(try OpenAIChatWire.answer(response.body))
                case .anthropicMessages: return .answer(try AnthropicMessagesWire.answer(response.body))
                }
            } catch .badResponse(let message) {
                throw .badResponse(safe(message))
            }
        }
        let message = safe(ProviderErrorMessage.text(response.body))
        let retryAfter = response.header("Retry-After").flatMap { RetryAfter.duration($0) }
        switch status {
        case 401, 403: throw .unauthorized(status: status, message: message)
        case 429: return .retry(.rateLimited(retryAfter: retryAfter))
        case 500..<600: return .retry(.unavailable(status: status, message: message, retryAfter: retryAfter))
        default: throw .rejected(status: status, message: message)
        }
    }

    /// Provider text made safe to show: the secrets masked first (so that a cut cannot leave
    /// half a key), then cut to `LLMError.providerMessageLimit` characters.
    func safe(_ text: String) -> String {
        let masked = redact(text)
        guard masked.count > LLMError.providerMessageLimit else { return masked }
        return masked.prefix(LLMError.providerMessageLimit) + "…"
    }
}
