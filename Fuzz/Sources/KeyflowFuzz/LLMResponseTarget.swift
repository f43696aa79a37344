import Foundation
import OAuthCore
import Runtime

/// What an LLM provider answers is outside data: a server must never die of it. The input
/// picks the API and the status from its first byte and a `Retry-After` value from the text
/// up to the first newline; the rest is the body, with a key canary spliced in as a
/// provider's 401 might echo it. Properties: nothing traps; a 200 gives a reply or a
/// `badResponse`; each other status gives its error class (401/403 unauthorized, 429 rate
/// limited, 5xx unavailable, other 4xx rejected); no error message holds the canary.
enum LLMResponseTarget {
    static let canary = "sk-fuzz-canary-7f3a9c2e5b1d"
    static let statuses = [200, 200, 200, 400, 401, 403, 404, 429, 500, 503]

    static func run(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let api: LLMAPI = first & 1 == 0 ? .openAIChat : .anthropicMessages
        let status = statuses[Int(first >> 1) % statuses.count]
        let rest = text(bytes.dropFirst())
        let (retryAfter, body) =
            rest.firstIndex(of: "\n").map { (String(rest[..<$0]), String(rest[rest.index(after: $0)...])) }
            ?? ("", rest)
        let spliced = body.replacingOccurrences(of: "KEY", with: canary)
        let response = HTTPTransportResponse(
            status: status, headers: [("content-type", "application/json"), ("retry-after", retryAfter)],
            body: Array(spliced.utf8))
        let client = LLMClient(
            transport: Scripted(response: response),
            policy: LLMRetryPolicy(attempts: 2, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(1)),
            redact: { $0.replacingOccurrences(of: canary, with: SecretMask.mask(canary)) }, sleep: { _ in },
            random: { 0.5 })
        let request = LLMRequest(model: "m", messages: [LLMMessage(role: .user, text: "hi")], maxTokens: 5)
        let outcome = complete(client, request, api: api)
        switch outcome {
        case .success:
            require(status == 200, "a \(status) gave a reply")
        case .failure(let error):
            let message = error.description
            require(!message.contains(canary), "the key canary is in an error: \(message)")
            switch (status, error) {
            case (200, .badResponse), (401, .unauthorized), (403, .unauthorized), (429, .rateLimited),
                (500, .unavailable), (503, .unavailable), (400, .rejected), (404, .rejected):
                break
            default:
                require(false, "status \(status) gave \(error)")
            }
        }
    }

    /// Runs the call to the end from this (synchronous) fuzzer thread.
    static func complete(_ client: LLMClient, _ request: LLMRequest, api: LLMAPI) -> Result<LLMReply, LLMError> {
        runToEnd { () async -> Result<LLMReply, LLMError> in
            do throws(LLMError) {
                return .success(try await client.complete(request, api: api, baseURL: "https://llm.example/v1"))
            } catch {
                return .failure(error)
            }
        } ?? .failure(.cancelled)
    }

    /// A transport that answers every request with the same response.
    struct Scripted: HTTPTransport {
        let response: HTTPTransportResponse
        func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse {
            response
        }
    }
}
