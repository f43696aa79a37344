import Foundation
import OAuthCore
import Runtime
import Testing

/// Which failures are retried and how long the client waits: backoff, `Retry-After`
/// (seconds and HTTP date, capped), the deadline, cancellation. Waits are recorded, not
/// slept, except where the test is that nothing is slept.
@Suite struct LLMRetryTests {
    static let unavailable = ScriptedTransport.Step.openAIError(503, "The server is overloaded.")

    static func complete(
        _ transport: ScriptedTransport, sleeps: RecordedSleeps = RecordedSleeps(),
        policy: LLMRetryPolicy = LLMRetryPolicy(), deadline: ContinuousClock.Instant? = nil
    ) async throws(LLMError) -> LLMReply {
        try await LLMClient.scripted(transport, sleeps: sleeps, policy: policy)
            .complete(ask("Hi"), api: .openAIChat, baseURL: "http://h/v1", deadline: deadline)
    }

    @Test func a503ThenAnAnswerSucceedsOnTheSecondAttempt() async throws {
        let sleeps = RecordedSleeps()
        let reply = try await Self.complete(ScriptedTransport([Self.unavailable, .openAIOK]), sleeps: sleeps)
        #expect(reply.attempts == 2)
        #expect(reply.waited == .milliseconds(500))
        #expect(sleeps.all == [.milliseconds(500)])
    }

    @Test func fiveHundredsOnEveryAttemptAreUnavailableAfterADoublingBackoff() async throws {
        let sleeps = RecordedSleeps()
        let transport = ScriptedTransport([Self.unavailable])
        await #expect(throws: LLMError.unavailable(status: 503, attempts: 4, message: "The server is overloaded.")) {
            try await Self.complete(transport, sleeps: sleeps)
        }
        #expect(transport.requests.count == 4)
        #expect(sleeps.all == [.milliseconds(500), .seconds(1), .seconds(2)])
        let error = LLMError.unavailable(status: 503, attempts: 4, message: "The server is overloaded.")
        #expect(
            error.description == "the provider is unavailable (HTTP 503) after 4 attempts: The server is overloaded.")
    }

    @Test func theBackoffIsCappedAndJittered() async throws {
        let sleeps = RecordedSleeps()
        await #expect(throws: LLMError.self) {
            try await Self.complete(ScriptedTransport([Self.unavailable]), sleeps: sleeps, policy: .init(attempts: 8))
        }
        #expect(sleeps.all == [0.5, 1, 2, 4, 8, 8, 8].map { Duration.milliseconds(Int($0 * 1000)) })

        // With `random` at its top the jitter takes the whole 20 % off.
        let jittered = RecordedSleeps()
        let client = LLMClient(
            transport: ScriptedTransport([Self.unavailable, .openAIOK]), policy: LLMRetryPolicy(), redact: { $0 },
            sleep: { try await jittered.sleep($0) }, random: { 1 })
        let reply = try await client.complete(ask("Hi"), api: .openAIChat, baseURL: "http://h/v1")
        #expect(jittered.all == [.milliseconds(400)])
        #expect(reply.waited == .milliseconds(400))
    }

    @Test func aRateLimitThatOutlastsTheAttemptsIsReportedAsOne() async throws {
        let sleeps = RecordedSleeps()
        let transport = ScriptedTransport([.openAIError(429, "Slow down.", headers: [("Retry-After", "2")])])
        let error = await #expect(throws: LLMError.self) { try await Self.complete(transport, sleeps: sleeps) }
        #expect(error == .rateLimited(retryAfter: .seconds(2), attempts: 4))
        #expect(
            error?.description == "rate limited by the provider (HTTP 429) after 4 attempts; it asked to wait 2 s")
        #expect(sleeps.all == [.seconds(2), .seconds(2), .seconds(2)])
        #expect(
            LLMError.rateLimited(retryAfter: nil, attempts: 1).description
                == "rate limited by the provider (HTTP 429) after 1 attempt")
    }

    @Test func aLongRetryAfterIsWaitedOnOnlyUpToTheCapButReportedAsAsked() async throws {
        let sleeps = RecordedSleeps()
        let transport = ScriptedTransport([.openAIError(429, "Slow down.", headers: [("retry-after", "120")])])
        await #expect(throws: LLMError.rateLimited(retryAfter: .seconds(120), attempts: 2)) {
            try await Self.complete(transport, sleeps: sleeps, policy: .init(attempts: 2))
        }
        #expect(sleeps.all == [.seconds(30)])
    }

    @Test func anAbsurdRetryAfterNeitherTrapsNorWaitsPastTheCap() async throws {
        let sleeps = RecordedSleeps()
        let transport = ScriptedTransport([
            .openAIError(503, "Down.", headers: [("Retry-After", String(repeating: "9", count: 80))]), .openAIOK,
        ])
        let reply = try await Self.complete(transport, sleeps: sleeps, policy: .init(maxRetryAfter: .seconds(5)))
        #expect(reply.attempts == 2)
        #expect(sleeps.all == [.seconds(5)])
    }

    /// Fuzz finding (`llm-response`, Fuzz/regressions/llm-response): Foundation's DateFormatter
    /// traps ("Incorrect range CFRange") on a combining mark after a letter with the `EEE`
    /// patterns of an HTTP date, so a model server answering `Retry-After: M\u{343}` killed
    /// the process. A value that is not ASCII is not a date.
    @Test func aRetryAfterThatIsNotASCIIIsIgnoredWithoutTrapping() async throws {
        let sleeps = RecordedSleeps()
        let transport = ScriptedTransport([
            .openAIError(503, "Down.", headers: [("Retry-After", "M\u{343}")]), .openAIOK,
        ])
        let reply = try await Self.complete(transport, sleeps: sleeps)
        #expect(reply.attempts == 2)
        #expect(sleeps.all == [.milliseconds(500)])  // the backoff, as without a Retry-After
    }

    @Test func aRetryAfterDateIsTheTimeUntilThen() async throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let inTenSeconds = formatter.string(from: Date().addingTimeInterval(10))
        let sleeps = RecordedSleeps()
        let transport = ScriptedTransport([
            .openAIError(429, "Slow down.", headers: [("Retry-After", inTenSeconds)]), .openAIOK,
        ])
        _ = try await Self.complete(transport, sleeps: sleeps)
        // The date has whole seconds and the test takes a moment: generous bounds.
        let wait = try #require(sleeps.all.first)
        #expect(wait > .seconds(7) && wait <= .seconds(10))

        // A date in the past asks for no wait; a value that is neither form is ignored (backoff).
        let past = RecordedSleeps()
        _ = try await Self.complete(
            ScriptedTransport([
                .openAIError(429, "x", headers: [("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT")]),
                .openAIError(429, "x", headers: [("Retry-After", "soon")]), .openAIOK,
            ]), sleeps: past)
        #expect(past.all == [.zero, .seconds(1)])
    }

    @Test func aWaitThatWouldEndAfterTheDeadlineFailsAtOnceWithoutSleeping() async throws {
        // The real client, which would really sleep 30 s if it did not stop.
        let transport = ScriptedTransport([.openAIError(429, "Slow down.", headers: [("Retry-After", "30")])])
        let client = LLMClient(transport: transport)
        let clock = ContinuousClock()
        let started = clock.now
        let error = await #expect(throws: LLMError.self) {
            try await client.complete(
                ask("Hi"), api: .openAIChat, baseURL: "http://h/v1", deadline: started.advanced(by: .seconds(3)))
        }
        #expect(started.duration(to: clock.now) < .seconds(3))
        guard case .outOfTime(let attempts, let message) = error else {
            Issue.record("\(String(describing: error))"); return
        }
        #expect(attempts == 1)
        #expect(
            message.hasPrefix(
                "the provider rate limited the request (HTTP 429) and asked to wait 30 s, but the run has "))
        #expect(message.hasSuffix(" s left (after 1 attempt)"))
        #expect(transport.requests.count == 1)
        // Each attempt may take no longer than the time left.
        #expect(try #require(transport.timeouts.first) <= .seconds(3))
    }

    @Test func aDeadlineAlreadyPassedSendsNothing() async throws {
        let transport = ScriptedTransport([.openAIOK])
        await #expect(
            throws: LLMError.outOfTime(attempts: 0, message: "the run's time was up before attempt 1 was sent")
        ) {
            try await Self.complete(transport, deadline: ContinuousClock.now.advanced(by: .seconds(-1)))
        }
        #expect(transport.requests.isEmpty)
    }

    @Test func lostConnectionsAreRetriedThenReportedAsTransportFailures() async throws {
        let lost = ScriptedTransport.Step.fail(
            HTTPTransportError.network(url: "http://h/v1/chat/completions", reason: "reset"))
        let recovered = try await Self.complete(
            ScriptedTransport([lost, .fail(HTTPTransportError.timeout(url: "u")), .openAIOK]))
        #expect(recovered.attempts == 3)
        await #expect(
            throws: LLMError.transport("could not reach http://h/v1/chat/completions: reset (after 4 attempts)")
        ) { try await Self.complete(ScriptedTransport([lost])) }
    }

    @Test func failuresThatAnotherAttemptCannotFixAreNotRetried() async throws {
        struct VaultDown: Error, CustomStringConvertible { var description: String { "the vault is unreachable" } }
        let cases: [(ScriptedTransport.Step, LLMError)] = [
            (.fail(VaultDown()), .transport("the vault is unreachable")),
            (.fail(HTTPTransportError.cancelled), .cancelled),
            (
                .fail(HTTPTransportError.responseTooLarge(url: "u", limit: 10)),
                .badResponse("the response from u exceeds 10 bytes")
            ),
            (
                .fail(HTTPTransportError.addressRefused(url: "u", host: "h", address: "10.0.0.1")),
                .transport(HTTPTransportError.addressRefused(url: "u", host: "h", address: "10.0.0.1").description)
            ),
        ]
        for (step, expected) in cases {
            let transport = ScriptedTransport([step, .openAIOK])
            await #expect(throws: expected) { try await Self.complete(transport) }
            #expect(transport.requests.count == 1)
        }
    }

    @Test func cancellingTheTaskStopsTheWait() async throws {
        let transport = ScriptedTransport([Self.unavailable])
        let client = LLMClient(transport: transport, policy: LLMRetryPolicy(initialBackoff: .seconds(60)))
        let clock = ContinuousClock()
        let started = clock.now
        let task = Task { () async throws(LLMError) -> LLMReply in
            try await client.complete(ask("Hi"), api: .openAIChat, baseURL: "http://h/v1")
        }
        while transport.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        await #expect(throws: LLMError.cancelled) { try await task.value }
        #expect(started.duration(to: clock.now) < .seconds(30))
        #expect(transport.requests.count == 1)
    }
}
