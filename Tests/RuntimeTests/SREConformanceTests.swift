import Foundation
import Runtime
import TestSupport
import Testing

/// SmythOS's own tests, as data: every test of SRE's `packages/core/tests/unit` that runs one of
/// its test agents through an endpoint (`conformance/sre/cases.json`, the agents beside it),
/// run here through `keyflow run`. A case listed as passing must pass every check SRE's test
/// makes; a case listed as not passing must still fail one, and says why. The README's
/// "N of M" line is checked against the list.
@Suite struct SREConformanceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let id: String
        let json: JSONValue
        var testDescription: String { id }
    }

    static let cases: [Case] = {
        guard let text = try? Repository.text("conformance/sre/cases.json"),
            let list = (try? JSONParser.parse(text))?.arrayValue
        else { return [] }
        return list.map { Case(id: $0["id"]?.stringValue ?? "?", json: $0) }
    }()

    @Test func theListIsThere() {
        #expect(Self.cases.count >= 27)
    }

    /// One case at a time: some check how long a run takes, and the Async cases sleep 30 s anyway.
    @Test(.serialized, arguments: cases) func caseBehavesAsListed(_ testCase: Case) async throws {
        let json = testCase.json
        let agent = try #require(json["agent"]?.stringValue)
        let endpoint = try #require(json["endpoint"]?.stringValue)
        let inputs = FileManager.default.temporaryDirectory.appendingPathComponent("sre-case-\(UUID().uuidString).json")
        try Data(JSONWriter.string(json["inputs"] ?? .object(JSONObject())).utf8).write(to: inputs)
        defer { try? FileManager.default.removeItem(at: inputs) }
        // A home of its own: an agent with LLM steps opens the vault, which must not be the user's.
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("sre-home-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        var environment: [String: String] = ["KEYFLOW_HOME": home.path]
        for (key, value) in json["keyflow"]?["env"]?.objectValue ?? JSONObject() {
            environment[key] = value.stringValue
        }
        let started = Date()
        let result = try await KeyflowCLI.runAsync(
            [
                "run", Repository.url("conformance/sre/agents/\(agent)").path, "--endpoint", endpoint,
                "--input-json", inputs.path, "--quiet",
            ], environment: environment)
        let run = Outcome(
            status: result.status, output: result.status == 0 ? try? JSONParser.parse(result.stdout) : nil,
            stderr: result.stderr, seconds: Date().timeIntervalSince(started))
        let failed = (json["expect"]?.arrayValue ?? []).filter { !run.satisfies($0) }.map { JSONWriter.string($0) }
        let passes = json["keyflow"]?["passes"] == .bool(true)
        if passes {
            #expect(failed.isEmpty, "failed checks: \(failed)\nexit \(result.status)\n\(result.stdout)\(result.stderr)")
        } else {
            #expect(!failed.isEmpty, "listed as not passing, but every check passes: update cases.json and the README")
            let reason = json["keyflow"]?["reason"]?.stringValue ?? ""
            #expect(reason.count > 20, "a case that does not pass says why")
        }
    }

    @Test func theReadmeCountsTheCases() throws {
        let passing = Self.cases.filter { $0.json["keyflow"]?["passes"] == .bool(true) }.count
        let readme = try Repository.text("README.md")
        #expect(readme.contains("\(passing) of \(Self.cases.count) SRE test cases pass"))
        for failing in Self.cases where failing.json["keyflow"]?["passes"] != .bool(true) {
            #expect(readme.contains(failing.id), "the README lists \(failing.id)")
        }
    }

    /// What `keyflow run` did: its exit status, its result, its errors and how long it took.
    struct Outcome {
        let status: Int32
        let output: JSONValue?
        let stderr: String
        let seconds: Double

        /// One check of SRE's test. A run that failed (exit 1) is SRE's `_error` result: the
        /// checks on `result._error` hold for it, and only those.
        func satisfies(_ check: JSONValue) -> Bool {
            if check["error"] == .bool(true) { return status == 1 && !stderr.isEmpty }
            if let limit = check["elapsedSecondsLessThan"]?.numberValue { return seconds < limit }
            if let least = check["elapsedSecondsAtLeast"]?.numberValue { return seconds >= least }
            let path = check["path"]?.stringValue ?? ""
            if path.hasPrefix("result._error") {
                if check["absent"] == .bool(true) { return status == 0 }
                return status == 1 && !stderr.isEmpty
            }
            guard status == 0, let output else { return false }
            let value = Self.follow(path, in: output)
            if check["absent"] == .bool(true) { return value == nil }
            guard let value else { return false }
            if check["defined"] == .bool(true) { return true }
            if let type = check["type"]?.stringValue { return Self.type(of: value) == type }
            if let text = check["contains"]?.stringValue {
                let whole = Template.text(of: value)
                return check["ignoreCase"] == .bool(true)
                    ? whole.lowercased().contains(text.lowercased()) : whole.contains(text)
            }
            if let minimum = check["minLength"]?.numberValue {
                switch value {
                case .string(let text): return Double(text.count) >= minimum
                case .array(let values): return Double(values.count) >= minimum
                default: return false
                }
            }
            if let pattern = check["matches"]?.stringValue {
                return Template.text(of: value).range(of: pattern, options: .regularExpression) != nil
            }
            if let count = check["count"]?.numberValue {
                return Double(value.objectValue?.count ?? value.arrayValue?.count ?? -1) == count
            }
            if let subpath = check["valuesAt"]?.stringValue, let expected = check["equals"] {
                let values = (value.objectValue.map { $0.map(\.value) } ?? value.arrayValue ?? []).map {
                    Self.follow(subpath, in: $0) ?? .null
                }
                return .array(values) == expected
            }
            if let expected = check["equals"] { return value == expected }
            return false
        }

        static func follow(_ path: String, in value: JSONValue) -> JSONValue? {
            var current: JSONValue? = value
            for key in path.split(separator: ".") { current = current?[String(key)] }
            return current
        }

        static func type(of value: JSONValue) -> String {
            switch value {
            case .string: return "string"
            case .number: return "number"
            case .bool: return "boolean"
            case .array: return "array"
            case .object: return "object"
            case .null: return "null"
            }
        }
    }
}
