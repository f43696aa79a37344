import OAuthCore
import Vault

/// One LLM call of a component: the model resolved for the run's team (`keyflow models`), the
/// one authorized path with the route's connection (the key goes only to the origins that
/// connection allows, and a 401 marks it), the client's bounded retries inside the run's
/// wall time, and what the trace keeps of it (provider, model, attempts, waits, usage).
struct ModelCall {
    let context: RunContext
    /// The model name as the component gives it.
    let model: String

    /// What one call gave back: the answer and the trace's record of it.
    struct Outcome {
        var reply: LLMReply
        var trace: JSONValue
    }

    /// Asks the model for `request` (whose `model` is replaced by the one the route sends).
    func complete(_ request: LLMRequest) async throws -> Outcome {
        guard let vault = context.broker?.vault else {
            throw ComponentError(message: "model \(model): no vault is open to look the model up in")
        }
        guard let route = try await vault.model(named: model) else {
            throw ComponentError(
                message:
                    "model \"\(model)\" is not set up for team \(vault.team): add it with keyflow models add \(model) --provider openai|anthropic|openai-compatible (or on the Models page)"
            )
        }
        var transport: any HTTPTransport = try context.transport(connection: route.connection)
        // A team member gave this loopback URL explicitly (a local model server): the one
        // exception to the server's internal-address rule, for this origin only.
        if route.isOnLoopback { transport = LoopbackMarking(base: transport) }
        let secret = await Self.secret(of: route, broker: context.broker)
        let client = LLMClient(
            transport: transport, policy: LLMRetryPolicy(),
            redact: { text in secret.map { text.replacingOccurrences(of: $0, with: SecretMask.mask($0)) } ?? text })
        var sent = request
        sent.model = route.modelSentToProvider
        sent.usesMaxCompletionTokens = route.provider == .openai
        let api: LLMAPI = route.provider == .anthropic ? .anthropicMessages : .openAIChat
        let reply: LLMReply
        do {
            reply = try await client.complete(
                sent, api: api, baseURL: route.baseURL, deadline: context.budget?.deadline,
                maxResponseBytes: context.budget?.limits.maxResponseBytes)
        } catch {
            throw ComponentError(
                message: "model \(model) (\(route.provider.rawValue)): \(Self.explain(error, route: route))",
                outputs: [TraceEntry.llmKey: Self.trace(route: route, sent: sent, reply: nil, error: error)])
        }
        return Outcome(reply: reply, trace: Self.trace(route: route, sent: sent, reply: reply, error: nil))
    }

    /// A stable word for the class of `error`, for the trace.
    static func kind(of error: LLMError) -> String {
        switch error {
        case .unauthorized: return "unauthorized"
        case .rejected: return "rejected"
        case .rateLimited: return "rate_limited"
        case .unavailable: return "unavailable"
        case .transport: return "transport"
        case .badResponse: return "bad_response"
        case .invalidRequest: return "invalid_request"
        case .outOfTime: return "out_of_time"
        case .cancelled: return "cancelled"
        }
    }

    /// The key of an API-key connection, to mask it in provider text; nil for other kinds. The
    /// broker's cache has it after the first call (no store read); a connection that cannot give
    /// a credential sends nothing, so there is nothing to mask.
    static func secret(of route: ModelRoute, broker: TokenBroker?) async -> String? {
        guard let connection = route.connection, let broker else { return nil }
        let credential: Credential?
        if let cached = await broker.cachedAuthorization(for: connection) {
            credential = cached.credential
        } else {
            credential = try? await broker.credential(for: connection)
        }
        guard case .apiKey(let key, _)? = credential, !key.isEmpty else { return nil }
        return key
    }

    /// The error in words, with what to do about a refused key.
    static func explain(_ error: LLMError, route: ModelRoute) -> String {
        if case .unauthorized = error, let connection = route.connection {
            return
                "\(error); connection \(connection) is marked needs-reauth: set a new key with keyflow vault edit \(connection) --api-key -"
        }
        return error.description
    }

    /// What the trace keeps of a call: never the prompt, the answer or a header value.
    static func trace(route: ModelRoute, sent: LLMRequest, reply: LLMReply?, error: LLMError?) -> JSONValue {
        var object = JSONObject([
            ("provider", .string(route.provider.rawValue)), ("model", .string(sent.model)),
            ("url", .string(route.baseURL)), ("connection", route.connection.map(JSONValue.string) ?? .null),
        ])
        if let reply {
            object["attempts"] = .number(Double(reply.attempts))
            object["waited_ms"] = .number((SafeNumbers.seconds(of: reply.waited) * 1000).rounded())
            object["finish_reason"] = reply.finishReason.map(JSONValue.string) ?? .null
            object["usage"] =
                reply.usage.map { usage in
                    .object(
                        JSONObject([
                            ("input_tokens", .number(Double(usage.inputTokens))),
                            ("output_tokens", .number(Double(usage.outputTokens))),
                            ("total_tokens", .number(Double(usage.total))),
                        ]))
                } ?? .null
        }
        if let error {
            object["error"] = .string(Self.kind(of: error))
            if case .rateLimited(_, let attempts) = error { object["attempts"] = .number(Double(attempts)) }
        }
        return .object(object)
    }
}

/// Marks every request for the loopback exception of the address policy (see `ModelCall`).
struct LoopbackMarking: HTTPTransport {
    let base: any HTTPTransport

    func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse {
        var marked = request
        marked.allowsLoopback = true
        return try await base.send(marked, timeout: timeout)
    }
}
