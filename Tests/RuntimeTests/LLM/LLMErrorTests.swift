import OAuthCore
import Runtime
import Testing

/// The statuses that are not retried, the provider's message in the error, and redaction.
@Suite struct LLMErrorTests {
    static func error(
        _ step: ScriptedTransport.Step, api: LLMAPI = .openAIChat,
        redact: @escaping @Sendable (String) -> String = { $0 }
    )
        async -> (LLMError?, Int)
    {
        let transport = ScriptedTransport([step, .openAIOK])
        let client = LLMClient.scripted(transport, sleeps: RecordedSleeps(), redact: redact)
        do {
            _ = try await client.complete(ask("Hi"), api: api, baseURL: "http://h/v1")
            return (nil, transport.requests.count)
        } catch {
            return (error, transport.requests.count)
        }
    }

    @Test func unauthorizedIsNotRetried() async throws {
        let (error, sent) = await Self.error(.openAIError(401, "Incorrect API key provided."))
        #expect(error == .unauthorized(status: 401, message: "Incorrect API key provided."))
        #expect(sent == 1)
        let (forbidden, _) = await Self.error(
            .json(403, #"{"type":"error","error":{"type":"permission_error","message":"No access."}}"#),
            api: .anthropicMessages)
        #expect(forbidden == .unauthorized(status: 403, message: "No access."))
        #expect(forbidden?.description == "the provider refused the credential (HTTP 403): No access.")
    }

    @Test(arguments: [400, 404, 409, 413, 422])
    func otherClientErrorsAreRejectedWithoutRetry(status: Int) async throws {
        let (error, sent) = await Self.error(
            .json(
                status,
                #"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}"#),
            api: .anthropicMessages)
        #expect(error == .rejected(status: status, message: "max_tokens: Field required"))
        #expect(sent == 1)
    }

    @Test func messagesOfCompatibleServersAndPlainBodies() async throws {
        #expect(
            await Self.error(.json(400, #"{"error":"model not found"}"#)).0
                == .rejected(status: 400, message: "model not found"))
        #expect(
            await Self.error(.json(422, #"{"detail":"bad field"}"#)).0 == .rejected(status: 422, message: "bad field"))
        #expect(
            await Self.error(.json(400, #"{"x":1}"#)).0 == .rejected(status: 400, message: "no message in the answer"))
        #expect(
            await Self.error(.answer(status: 404, headers: [], body: " Not Found\n")).0
                == .rejected(status: 404, message: "Not Found"))
    }

    @Test func longMessagesAreCut() async throws {
        let (error, _) = await Self.error(.openAIError(400, String(repeating: "x", count: 1000)))
        guard case .rejected(_, let message) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message == String(repeating: "x", count: 300) + "…")
    }

    @Test func providerTextIsRedactedBeforeItIsCut() async throws {
        let key = "sk-proj-SECRETSECRETSECRET"
        let redact: @Sendable (String) -> String = { SecretMask.redact($0, secrets: [key]) }
        let (error, _) = await Self.error(
            .openAIError(401, "Incorrect API key provided: \(key). Find yours at the dashboard."), redact: redact)
        #expect(
            error
                == .unauthorized(
                    status: 401, message: "Incorrect API key provided: ••••CRET. Find yours at the dashboard."))
        // A key straddling the cut is masked whole, not left half there.
        let (long, _) = await Self.error(
            .openAIError(400, String(repeating: "y", count: 290) + key), redact: redact)
        #expect(long?.description.contains("SECRET") == false)
        let unavailable = await #expect(throws: LLMError.self) {
            try await LLMClient.scripted(
                ScriptedTransport([.openAIError(500, "upstream said \(key)")]), sleeps: RecordedSleeps(),
                policy: LLMRetryPolicy(attempts: 1), redact: redact
            ).complete(ask("Hi"), api: .openAIChat, baseURL: "http://h/v1")
        }
        #expect(unavailable == .unavailable(status: 500, attempts: 1, message: "upstream said ••••CRET"))
    }
}
