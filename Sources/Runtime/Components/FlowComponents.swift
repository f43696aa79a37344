import Foundation

/// APIEndpoint: the entry point. The run's inputs arrive as the request body (POST, the
/// default) or query (GET); declared inputs' defaults fill gaps and their types coerce values.
struct APIEndpoint: ComponentRunner {
    let isGET: Bool
    let declared: [Port]

    init(_ component: Component) {
        isGET = component.data["method"]?.stringValue?.uppercased() == "GET"
        declared = component.inputs
    }

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        var fields = JSONObject(inputs.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        for port in declared {
            // A default stands in for a value not sent, and is typed like one (SRE).
            guard let value = fields[port.name] ?? port.defaultValue.flatMap({ Logic.isSet($0) ? $0 : nil }) else {
                continue
            }
            var typed = try TypeCoercion.coerce(value, to: port.type, input: port.name)
            // SRE's endpoint reads any text that looks like a JSON object as one, whatever the
            // input's type (APIEndpoint.class.ts: its "FIXME" step).
            if case .string(let text) = typed {
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.hasPrefix("{"), trimmed.hasSuffix("}"), case .object = LenientJSON.parse(trimmed) {
                    typed = LenientJSON.parse(trimmed)
                }
            }
            fields[port.name] = typed
        }
        return [
            "headers": .object(JSONObject()), "body": isGET ? .object(JSONObject()) : .object(fields),
            "query": isGET ? .object(fields) : .object(JSONObject()),
        ]
    }
}

/// APIOutput: collects its declared inputs into `Output`.
struct APIOutput: ComponentRunner {
    let names: [String]
    let raw: Bool

    init(_ component: Component) {
        names = component.inputs.map(\.name)
        raw = component.data["format"]?.stringValue == "raw"
    }

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        if raw { return ["Output": .string(names.compactMap { inputs[$0] }.map(Template.text(of:)).joined())] }
        return ["Output": .object(JSONObject(names.compactMap { name in inputs[name].map { (name, $0) } }))]
    }

    /// The run's result: `minimal` and `raw` give the output itself, `full` (the default)
    /// the `{id, name, result}` entry around it, as SmythOS answers.
    static func result(_ component: Component, outputs: [String: JSONValue]) -> JSONValue {
        let output = outputs["Output"] ?? .null
        switch component.data["format"]?.stringValue {
        case "minimal", "raw": return output
        default:
            return .object(
                JSONObject([
                    ("id", .string(component.id)), ("name", .string("APIOutput")),
                    ("result", .object(JSONObject([("Output", output)]))),
                ]))
        }
    }
}

/// FTimestamp: the time when triggered, milliseconds since 1970 by default.
struct FTimestamp: ComponentRunner {
    let format: String

    init(_ component: Component) {
        format = component.data["format"]?.stringValue ?? "unix"
    }

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        let now = Date()
        switch format {
        case "unix", "timestamp", "": return ["Timestamp": .number((now.timeIntervalSince1970 * 1000).rounded(.down))]
        case "iso":
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return ["Timestamp": .string(formatter.string(from: now))]
        default:
            return ["Timestamp": .string(DayPattern.format(now, pattern: format))]
        }
    }
}

/// dayjs-style patterns for FTimestamp (YYYY MM DD HH hh mm ss SSS A Z), in local time.
enum DayPattern {
    static func format(_ date: Date, pattern: String) -> String {
        let calendar = Calendar.current
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        let tokens: [(String, String)] = [
            ("YYYY", String(format: "%04d", parts.year ?? 0)),
            ("SSS", String(format: "%03d", (parts.nanosecond ?? 0) / 1_000_000)),
            ("MM", String(format: "%02d", parts.month ?? 0)), ("DD", String(format: "%02d", parts.day ?? 0)),
            ("HH", String(format: "%02d", parts.hour ?? 0)),
            ("hh", String(format: "%02d", ((parts.hour ?? 0) + 11) % 12 + 1)),
            ("mm", String(format: "%02d", parts.minute ?? 0)), ("ss", String(format: "%02d", parts.second ?? 0)),
            ("A", (parts.hour ?? 0) < 12 ? "AM" : "PM"), ("Z", timeZone(date)),
        ]
        var out = ""
        var rest = Substring(pattern)
        outer: while !rest.isEmpty {
            for (token, value) in tokens where rest.hasPrefix(token) {
                out += value
                rest = rest.dropFirst(token.count)
                continue outer
            }
            out.append(rest.removeFirst())
        }
        return out
    }

    private static func timeZone(_ date: Date) -> String {
        let seconds = TimeZone.current.secondsFromGMT(for: date)
        return String(format: "%@%02d:%02d", seconds < 0 ? "-" : "+", abs(seconds) / 3600, abs(seconds) % 3600 / 60)
    }
}

/// FSleep: waits `delay` seconds, then passes Input on.
struct FSleep: ComponentRunner {
    /// Whole seconds (SmythOS's `parseInt`), never negative; any finite number is kept here
    /// and checked against the run's sleep limit when the step runs.
    let seconds: Double
    var mayWait: Bool { true }

    init(_ component: Component) {
        let text = component.data["delay"].map(Template.text(of:)) ?? "1"
        // Not a finite number (text, NaN, Infinity): the default second, as before.
        seconds = SafeNumbers.finite(text).map { max(0, $0.rounded(.towardZero)) } ?? 1
    }

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        let delay =
            try context.budget?.takeSleep(seconds: seconds, for: context.component)
            ?? SafeNumbers.duration(seconds: seconds)
        try await Task.sleep(for: delay)
        return ["Output": inputs["Input"] ?? .null]
    }
}

/// JSONFilter: keeps only the listed key names, at every depth.
struct JSONFilter: ComponentRunner {
    let fields: Set<String>

    init(_ component: Component) {
        fields = Set((component.data["fields"]?.stringValue ?? "").split(separator: ",").map(\.trimmingSpaces))
    }

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        ["Output": filter(inputs["Input"] ?? .null)]
    }

    private func filter(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let values): return .array(values.map(filter))
        case .object(let object):
            var kept = JSONObject()
            for (key, value) in object where fields.contains(key) { kept[key] = filter(value) }
            return .object(kept)
        default: return value
        }
    }
}

/// LogicAND, LogicOR, LogicXOR, LogicAtLeast, LogicAtMost: count the declared inputs that are
/// set (JavaScript truthiness) and fire `Verified` or `Unverified`.
struct Logic: ComponentRunner {
    enum Rule {
        case and, or, xor
        case atLeast(Int?)
        case atMost(Int?)
    }
    let rule: Rule
    let names: [String]

    init(_ component: Component) {
        names = component.inputs.map(\.name)
        func number(_ key: String) -> Int? {
            component.data[key].flatMap { Int(Template.text(of: $0).trimmingCharacters(in: .whitespaces)) }
        }
        switch component.type {
        case "LogicOR": rule = .or
        case "LogicXOR": rule = .xor
        case "LogicAtLeast": rule = .atLeast(number("minSetInputs"))
        case "LogicAtMost": rule = .atMost(number("maxSetInputs"))
        default: rule = .and
        }
    }

    static func isSet(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null?, .bool(false)?, .string("")?: return false
        case .number(let number)?: return number != 0 && !number.isNaN
        default: return true
        }
    }

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        let count = names.filter { Self.isSet(inputs[$0]) }.count
        let verified: Bool
        switch rule {
        case .and: verified = count == names.count
        case .or: verified = count >= 1
        case .xor: verified = count == 1
        case .atLeast(let minimum):
            // Misconfigured: nothing fires, as in SmythOS.
            guard let minimum, names.count >= minimum else { return [:] }
            verified = count >= minimum
        case .atMost(let maximum):
            guard let maximum, names.count >= maximum else { return [:] }
            verified = count <= maximum
        }
        return verified ? ["Output": .bool(true), "Verified": .bool(true)] : ["Unverified": .bool(true)]
    }
}

extension Substring {
    /// `trimmingCharacters(in: .whitespaces)` (tab and the Unicode space separators) without
    /// Foundation's bridging, which cost more than the rest of preparing a JSONFilter.
    var trimmingSpaces: String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            scalar == " " || scalar == "\t"
                || (scalar.value >= 0x80 && scalar.properties.generalCategory == .spaceSeparator)
        }
        guard let first = unicodeScalars.firstIndex(where: { !isSpace($0) }),
            let last = unicodeScalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(unicodeScalars[first...last])
    }
}
