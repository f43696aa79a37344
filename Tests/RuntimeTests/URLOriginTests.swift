import Foundation
import OAuthCore
import Runtime
import Synchronization
import TestSupport
import Testing

/// The origin of an APICall's URL is the agent's: a placeholder in the scheme, host or port
/// is a validation error unless `data.allowedHosts` lists where it may go (checked after
/// rendering), and a value in the path cannot add a dot-segment, `?`, `#`, `\` or `@`.
struct URLOriginTests {
    /// An agent whose APICall `CALL` has `data` and inputs `a` and `b`, fed from the endpoint.
    static func agent(_ data: String, variables: String = "{}") throws -> Agent {
        try AgentLoader.parse(
            Array(
                #"""
                {"variables": \#(variables), "components": [
                  {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body.a", "index": 0}, {"name": "body.b", "index": 1}]},
                  {"id": "CALL", "name": "APICall", "title": "Call", "data": \#(data),
                   "inputs": [{"name": "a", "index": 0}, {"name": "b", "index": 1, "optional": true}],
                   "outputs": [{"name": "Response", "index": 0, "default": true}]}],
                 "connections": [{"sourceId": "E", "sourceIndex": 0, "targetId": "CALL", "targetIndex": 0},
                                 {"sourceId": "E", "sourceIndex": 1, "targetId": "CALL", "targetIndex": 1}]}
                """#.utf8), source: "origin.smyth")
    }

    /// An HTTPTransport that answers 200 and records the URLs it was asked for.
    final class URLRecorder: HTTPTransport {
        private let seen = Mutex<[String]>([])
        var urls: [String] { seen.withLock { $0 } }
        func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse {
            seen.withLock { $0.append(request.url) }
            return HTTPTransportResponse(
                status: 200, headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
        }
    }

    static func run(_ agent: Agent, a: String, b: String? = nil) async throws -> [String] {
        let http = URLRecorder()
        var inputs: [(String, JSONValue)] = [("a", .string(a))]
        if let b { inputs.append(("b", .string(b))) }
        _ = try await runAgent(agent, inputs: inputs, http: http)
        return http.urls
    }

    @Test(arguments: [
        "http://{{a}}.api.example/v1", "http://api.example{{a}}", "{{a}}", "{{a}}/v1/items",
        "https://api.example:{{a}}/x",
        "{{a}}://api.example/x", "https://{{KEY(HOST)}}/x", "https://api.example#{{a}}",
    ])
    func aPlaceholderBeforeThePathIsAValidationError(url: String) throws {
        let agent = try Self.agent(#"{"method": "GET", "url": "\#(url)"}"#)
        let issues = AgentValidator.validate(agent)
        let issue = try #require(issues.first { $0.path == "components[1].data.url" }, "\(issues)")
        #expect(issue.componentID == "CALL")
        #expect(issue.message.contains("data.allowedHosts"), "\(issue.message)")
        // Prepared without validation, it still does not run.
        #expect(throws: PrepareError.self) { try AgentPreparer.prepare(agent) }
    }

    @Test(arguments: [
        "https://api.example/{{a}}", "https://api.example/v1?q={{a}}", "https://api.example?q={{a}}",
        "https://api.example/bot{{KEY(K)}}/x",
    ])
    func placeholdersAfterTheOriginValidate(url: String) throws {
        let agent = try Self.agent(#"{"method": "GET", "url": "\#(url)"}"#)
        #expect(AgentValidator.validate(agent).isEmpty)
    }

    @Test func allowedHostsLetsTheOriginBeTemplatedAndIsCheckedAfterRendering() async throws {
        let agent = try Self.agent(
            #"{"method": "GET", "url": "https://{{a}}.api.example/v1/x", "allowedHosts": ["eu.api.example", "us.api.example"]}"#
        )
        #expect(AgentValidator.validate(agent).isEmpty)
        #expect(try await Self.run(agent, a: "eu") == ["https://eu.api.example/v1/x"])
        for hostile in [
            "evil.example/", "evil.example?", "x@evil.example/", "evil.example#", "eu.api.example.evil.example/",
            "EVIL",
        ] {
            await #expect(throws: RunError.self, "\(hostile)") { try await Self.run(agent, a: hostile) }
        }
    }

    @Test func allowedHostsAsACommaSeparatedStringWithPorts() async throws {
        let agent = try Self.agent(
            #"{"method": "GET", "url": "{{a}}/v1/x", "allowedHosts": "api.example:8443, other.example"}"#)
        #expect(AgentValidator.validate(agent).isEmpty)
        #expect(try await Self.run(agent, a: "https://api.example:8443") == ["https://api.example:8443/v1/x"])
        #expect(try await Self.run(agent, a: "https://other.example") == ["https://other.example/v1/x"])
        for hostile in [
            "https://api.example", "https://other.example:8443", "https://api.example:8443@evil.example",
            "http://evil.example",
            "https://other.example/../admin?",
        ] {
            await #expect(throws: RunError.self, "\(hostile)") { try await Self.run(agent, a: hostile) }
        }
    }

    @Test(arguments: [#""*""#, #""https://api.example""#, #"["api.example/x"]"#, #"[1]"#, #""user@api.example""#, "7"])
    func malformedAllowedHostsAreValidationErrors(value: String) throws {
        let agent = try Self.agent(#"{"method": "GET", "url": "https://{{a}}/x", "allowedHosts": \#(value)}"#)
        let issues = AgentValidator.validate(agent)
        #expect(
            issues.contains { $0.path == "components[1].data.allowedHosts" && $0.componentID == "CALL" }, "\(issues)")
    }

    @Test(arguments: [
        "..", ".", "../admin", "a/../../admin", "%2e%2E", "%2E.", "%252e%252e", "a/%2e%2e/b", "x?admin=1", "x#frag",
        #"x\y"#,
        "me@evil.example", "%3F", "%40", "%5C", "%23", "./",
    ])
    func aPathValueCannotLeaveItsPath(value: String) async throws {
        let agent = try Self.agent(#"{"method": "GET", "url": "https://api.example/repos/contents/{{a}}"}"#)
        #expect(AgentValidator.validate(agent).isEmpty)
        await #expect(throws: RunError.self, "\(value)") { try await Self.run(agent, a: value) }
    }

    @Test func slashesAndOrdinaryValuesStayInThePath() async throws {
        let agent = try Self.agent(#"{"method": "GET", "url": "https://api.example/repos/contents/{{a}}?ref={{b}}"}"#)
        #expect(
            try await Self.run(agent, a: "docs/guide/intro.md", b: "a/../b?#@")
                == ["https://api.example/repos/contents/docs/guide/intro.md?ref=a%2F..%2Fb%3F%23%40"])
        #expect(try await Self.run(agent, a: "...", b: "x") == ["https://api.example/repos/contents/...?ref=x"])
        #expect(
            try await Self.run(agent, a: "café & co", b: "x") == [
                "https://api.example/repos/contents/caf%C3%A9%20%26%20co?ref=x"
            ])
    }

    @Test func aKeyInThePathFollowsTheSameRule() async throws {
        let agent = try Self.agent(#"{"method": "GET", "url": "https://api.example/bot{{KEY(TG)}}/send"}"#)
        let http = URLRecorder()
        _ = try await runAgent(agent, inputs: [("a", .string("x"))], http: http, keys: ["TG": "123:ABC"])
        #expect(http.urls == ["https://api.example/bot123%3AABC/send"])
        await #expect(throws: RunError.self) {
            try await runAgent(agent, inputs: [("a", .string("x"))], http: http, keys: ["TG": "../admin"])
        }
    }

    @Test func templateReportsWhichPlaceholdersChooseTheOrigin() throws {
        #expect(URLTemplateRules.originPlaceholders(try Template("https://{{a}}.x/{{b}}?c={{c}}")) == ["{{a}}"])
        #expect(URLTemplateRules.originPlaceholders(try Template("{{base}}/v1/{{id}}")) == ["{{base}}"])
        #expect(URLTemplateRules.originPlaceholders(try Template("https://x.example/{{id}}")) == [])
        #expect(URLTemplateRules.originPlaceholders(try Template("https://x.example?{{q}}")) == [])
        #expect(
            throws: TemplateError.unsafePathValue(
                "{{q}}", reason: "it contains the path segment .., which would move the request to another path")
        ) {
            try Template("https://x.example/{{q}}").render(.url, value: { _ in .string("a/../b") }, key: { _ in nil })
        }
    }

    /// The agents in the repository and the shared SmythOS fixtures still validate.
    @Test func repositoryAgentsStillValidate() throws {
        var files = try FileManager.default.contentsOfDirectory(atPath: Repository.url("workflows").path)
            .filter { $0.hasSuffix(".smyth") }.map { Repository.url("workflows/\($0)").path }
        files += try FileManager.default.contentsOfDirectory(atPath: Repository.url("fixtures/smythos-agents").path)
            .filter { $0.hasSuffix(".smyth") }.map { Repository.url("fixtures/smythos-agents/\($0)").path }
        #expect(files.count >= 8)
        for file in files {
            let issues = AgentValidator.validate(try AgentLoader.load(path: file)).filter {
                $0.path.hasSuffix(".url") || $0.path.hasSuffix(".allowedHosts")
            }
            #expect(issues.isEmpty, "\(file): \(issues)")
        }
    }
}
