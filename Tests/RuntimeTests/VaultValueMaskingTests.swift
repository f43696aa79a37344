import Foundation
import OAuthCore
import Runtime
import Synchronization
import TestSupport
import Testing
import Vault

/// A `{{KEY()}}` value templated into a URL path (`/bot{{KEY(TG)}}/sendMessage`) never
/// comes back whole: not in `keyflow run`'s output or errors, not in the trace file, not in
/// an `_error` value; its mask (`••••` and the last four characters) does.
@Suite(.serialized) struct VaultValueMaskingTests {
    static let secret = "123456789:AAHsecretTelegramTokenXYZ9"
    /// A part of the secret that every form of it (raw, percent-encoded, JSON) contains.
    static let secretCore = "AAHsecretTelegramToken"
    static let mask = "••••XYZ9"

    /// 404 under `/404/`, 200 elsewhere.
    static func upstream() throws -> TinyHTTPServer {
        try TinyHTTPServer { target in
            target.hasPrefix("/404/")
                ? .response(
                    status: 404, contentType: "application/json",
                    body: #"{"ok":false,"error_code":404,"description":"Not Found"}"#)
                : .response(status: 200, contentType: "application/json", body: #"{"ok":true}"#)
        }
    }

    /// An agent: endpoint → APICall `CALL` to `url` → APIOutput; with `errorBranch`, CALL's
    /// `_error` feeds the output too, so a 404 still ends in a result (and a trace file).
    static func agent(url: String, errorBranch: Bool) -> String {
        #"""
        {"components": [
          {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
          {"id": "CALL", "name": "APICall", "title": "Telegram", "data": {"method": "GET", "url": "\#(url)"},
           "inputs": [{"name": "trigger", "index": 0}], "outputs": [{"name": "Response", "index": 0, "default": true}, {"name": "_error", "index": 1}]},
          {"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [{"name": "response", "index": 0, "optional": true}, {"name": "error", "index": 1, "optional": true}]}],
         "connections": [{"sourceId": "E", "sourceIndex": 0, "targetId": "CALL", "targetIndex": 0},
                         {"sourceId": "CALL", "sourceIndex": 0, "targetId": "O", "targetIndex": 0}\#(errorBranch ? #", {"sourceId": "CALL", "sourceIndex": 1, "targetId": "O", "targetIndex": 1}"# : "")]}
        """#
    }

    /// A home whose vault holds the key TG.
    static func home() async throws -> [String: String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-mask-\(UUID().uuidString)")
        let home = KeyflowHome(directory: directory)
        try await Vault.open(home: home).vault.setKey("TG", value: secret)
        return ["KEYFLOW_HOME": directory.path, "KEYFLOW_PUBLIC_URL": "http://127.0.0.1:1"]
    }

    static func run(_ agent: String, environment: [String: String]) throws -> (KeyflowCLI.Result, trace: String) {
        let path = try RunCommandTests.write(agent)
        let trace = path + ".trace.json"
        let result = try KeyflowCLI.run(["run", path, "--quiet", "--trace", trace], environment: environment)
        let traceText = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
        return (result, traceText)
    }

    @Test func aKeyInThePathIsMaskedWhenTheAPIAnswers404() async throws {
        let server = try Self.upstream()
        defer { server.stop() }
        let environment = try await Self.home()
        let url = server.baseURL + "/404/bot{{KEY(TG)}}/sendMessage"
        // Without an _error branch the run fails; the error names the URL, masked.
        let (failed, _) = try Self.run(Self.agent(url: url, errorBranch: false), environment: environment)
        #expect(failed.status == 1)
        #expect(
            failed.stderr.contains("HTTP 404 from \(server.baseURL)/404/bot\(Self.mask)/sendMessage"),
            "\(failed.stderr)")
        // With one, the error flows on into the result, and the trace is written.
        let (handled, trace) = try Self.run(Self.agent(url: url, errorBranch: true), environment: environment)
        #expect(handled.status == 0, "\(handled.stderr)")
        #expect(
            handled.stdout.contains("HTTP 404 from \(server.baseURL)/404/bot\(Self.mask)/sendMessage"),
            "\(handled.stdout)")
        #expect(trace.contains("/404/bot\(Self.mask)/sendMessage"), "\(trace)")
        for text in [failed.stdout, failed.stderr, handled.stdout, handled.stderr, trace] {
            #expect(!text.contains(Self.secretCore), "\(text)")
        }
        // The API itself got the real key.
        #expect(server.requests.contains("/404/bot123456789%3AAAHsecretTelegramTokenXYZ9/sendMessage"))
    }

    @Test func aKeyInThePathIsMaskedWhenTheAPIAnswers200() async throws {
        let server = try Self.upstream()
        defer { server.stop() }
        let (result, trace) = try Self.run(
            Self.agent(url: server.baseURL + "/ok/bot{{KEY(TG)}}/sendMessage", errorBranch: false),
            environment: try await Self.home())
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(#""ok" : true"#) || result.stdout.contains(#""ok": true"#), "\(result.stdout)")
        #expect(trace.contains("/ok/bot\(Self.mask)/sendMessage"), "\(trace)")
        for text in [result.stdout, result.stderr, trace] { #expect(!text.contains(Self.secretCore), "\(text)") }
    }

    /// In process: the trace entries, the observer's entries, the error and the `_error`
    /// value are all scrubbed, in every form the key takes (percent-encoded in the path).
    @Test func everyStringThatLeavesTheRunIsScrubbed() async throws {
        struct NotFound: HTTPTransport {
            func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse {
                HTTPTransportResponse(
                    status: 404, headers: [("Content-Type", "text/plain")], body: Array("no route \(request.url)".utf8))
            }
        }
        let agent = try AgentLoader.parse(
            Array(Self.agent(url: "https://api.telegram.org/bot{{KEY(TG)}}/sendMessage", errorBranch: true).utf8),
            source: "tg.smyth")
        let observed = ObservedEntries()
        let environment = RunEnvironment(keys: { $0 == "TG" ? Self.secret : nil }, http: NotFound())
        let result = try await Executor(agent: try AgentPreparer.prepare(agent))
            .run(endpoint: nil, inputs: JSONObject(), context: environment, observer: { observed.append($0) })
        let texts =
            [JSONWriter.string(result.output)]
            + (result.trace + observed.entries).map { entry in
                (entry.error ?? "") + JSONWriter.string(entry.http ?? .null)
            }
        for text in texts { #expect(!text.contains(Self.secretCore), "\(text)") }
        #expect(texts.contains { $0.contains(Self.mask) })
        // Even a body that echoes the URL back is scrubbed, in the _error value and the result.
        #expect(result.output["error"]?["body"]?.stringValue?.contains(Self.mask) == true)
        #expect(result.output["response"]?.stringValue?.contains(Self.mask) == true)

        let failing = try AgentLoader.parse(
            Array(Self.agent(url: "https://api.telegram.org/bot{{KEY(TG)}}/sendMessage", errorBranch: false).utf8),
            source: "tg.smyth")
        let executor = Executor(agent: try AgentPreparer.prepare(failing))
        do {
            _ = try await executor.run(endpoint: nil, inputs: JSONObject(), context: environment)
            Issue.record("a 404 without an _error branch fails the run")
        } catch {
            #expect(!error.description.contains(Self.secretCore), "\(error)")
            #expect(error.description.contains("bot\(Self.mask)/sendMessage"), "\(error)")
        }
    }

    @Test func shortKeysAreMaskedWhole() {
        #expect(SecretMask.mask("abcd") == "••••")
        #expect(SecretMask.mask(Self.secret) == Self.mask)
    }
}

/// Trace entries collected by an observer, from any thread.
final class ObservedEntries: Sendable {
    private let collected = Mutex<[TraceEntry]>([])
    var entries: [TraceEntry] { collected.withLock { $0 } }
    func append(_ entry: TraceEntry) { collected.withLock { $0.append(entry) } }
}
