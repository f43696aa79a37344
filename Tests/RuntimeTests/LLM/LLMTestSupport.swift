import Foundation
import OAuthCore
import Runtime
import Synchronization
import TestSupport

/// Answers from a script, one step per request (the last step repeats), and records what
/// was sent: for the retry and error tests of `LLMClient`.
final class ScriptedTransport: HTTPTransport {
    enum Step: Sendable {
        case answer(status: Int, headers: [(name: String, value: String)], body: String)
        case fail(any Error)
    }

    private let steps: [Step]
    private let state = Mutex<(sent: [HTTPTransportRequest], timeouts: [Duration])>(([], []))

    init(_ steps: [Step]) { self.steps = steps }

    var requests: [HTTPTransportRequest] { state.withLock { $0.sent } }
    var timeouts: [Duration] { state.withLock { $0.timeouts } }

    func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse {
        let index = state.withLock { state in
            state.sent.append(request)
            state.timeouts.append(timeout)
            return state.sent.count - 1
        }
        switch steps[min(index, steps.count - 1)] {
        case .answer(let status, let headers, let body):
            return HTTPTransportResponse(status: status, headers: headers, body: Array(body.utf8))
        case .fail(let error): throw error
        }
    }
}

extension ScriptedTransport.Step {
    /// A JSON answer with `status`.
    static func json(_ status: Int, _ body: String, headers: [(name: String, value: String)] = []) -> Self {
        .answer(status: status, headers: [("Content-Type", "application/json")] + headers, body: body)
    }

    static let openAIOK = json(
        200,
        #"{"id":"x","model":"gpt-4o-mini-2024","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"#
            + #""finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}"#)

    /// An OpenAI-style error answer.
    static func openAIError(_ status: Int, _ message: String, headers: [(name: String, value: String)] = []) -> Self {
        json(status, #"{"error":{"message":"\#(message)","type":"x","param":null,"code":null}}"#, headers: headers)
    }
}

/// The waits a client asked for, recorded instead of slept.
final class RecordedSleeps: Sendable {
    private let waits = Mutex<[Duration]>([])
    var all: [Duration] { waits.withLock { $0 } }
    func sleep(_ duration: Duration) async throws {
        waits.withLock { $0.append(duration) }
        try Task.checkCancellation()
    }
}

extension LLMClient {
    /// A client that records its waits in `sleeps` and has no jitter (`random` is 0).
    static func scripted(
        _ transport: ScriptedTransport, sleeps: RecordedSleeps, policy: LLMRetryPolicy = LLMRetryPolicy(),
        redact: @escaping @Sendable (String) -> String = { $0 }
    ) -> LLMClient {
        LLMClient(
            transport: transport, policy: policy, redact: redact, sleep: { try await sleeps.sleep($0) },
            random: { 0 })
    }
}

extension HTTPTransportRequest {
    /// The body as text.
    var bodyText: String { String(decoding: body ?? [], as: UTF8.self) }
}

/// A user asking `text` of `model`.
func ask(_ text: String, model: String = "gpt-4o-mini") -> LLMRequest {
    LLMRequest(model: model, messages: [LLMMessage(role: .user, text: text)])
}
