import OAuthCore

/// Where a request goes is the agent's choice, not its input's. SmythOS substitutes values
/// into an APICall URL as plain text, so an input can pick the host
/// (`http://{{tenant}}.api.example`, `http://api.example{{path}}` with `@evil.example`) or
/// climb the path (`../admin`), taking the connection's token or `{{KEY()}}` values with it.
/// Keyflow's rules:
/// - a placeholder before the path (scheme, host, port: anywhere before the first `/` or `?`
///   after `scheme://`, or a URL that starts with one) needs `data.allowedHosts`, and the
///   rendered host is checked against that list;
/// - a value in the path may hold `/` but no dot-segment (`.`, `..`, percent-encoded or not)
///   and none of `?`, `#`, `\`, `@` (nor their percent-encoded forms);
/// - values in the query are percent-encoded, as before.
public enum URLTemplateRules {
    /// The placeholders of `template` (rendered in `.url` context) that come before the path
    /// starts, i.e. that can choose the scheme, host or port.
    public static func originPlaceholders(_ template: Template) -> [String] {
        var constant = ""
        var startsWithPlaceholder = false
        var found: [String] = []
        for part in template.parts {
            switch part {
            case .text(let text): constant += text
            case .value(_, let placeholder), .key(_, let placeholder):
                // Only the agent's own text counts: a value cannot move the boundary. A URL
                // that starts with a placeholder (`{{base}}/v1/{{id}}`) takes its origin from
                // that value, so the agent's first `/` or `?` after it starts the path.
                let reached =
                    Template.hasReachedPath(constant)
                    || (startsWithPlaceholder && !constant.contains("://")
                        && constant.contains(where: { $0 == "/" || $0 == "?" }))
                if !reached { found.append(placeholder) }
                if found.count == 1 && constant.isEmpty { startsWithPlaceholder = true }
            }
        }
        return found
    }

    /// Why `value` may not be inserted into a URL path, or nil when it may. The value is
    /// checked as given and after each of up to three rounds of percent-decoding, so that
    /// `%2e%2E` or `%252e` cannot turn into `..` at a server that decodes once more.
    public static func pathValueProblem(_ value: String) -> String? {
        var bytes = Array(value.utf8)
        for _ in 0..<4 {
            if let problem = problem(inDecoded: bytes) { return problem }
            let decoded = PercentEncoding.decode(bytes, plusAsSpace: false)
            if decoded == bytes { break }
            bytes = decoded
        }
        return nil
    }

    private static func problem(inDecoded bytes: [UInt8]) -> String? {
        for (character, name) in [
            (UInt8(ascii: "?"), "?"), (UInt8(ascii: "#"), "#"), (UInt8(ascii: "\\"), "\\"), (UInt8(ascii: "@"), "@"),
        ]
        where bytes.contains(character) {
            return "it contains \(name), which would change the URL beyond its path"
        }
        for segment in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        where segment.elementsEqual([UInt8(ascii: ".")])
            || segment.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")])
        {
            return
                "it contains the path segment \(String(decoding: segment, as: UTF8.self)), which would move the request to another path"
        }
        return nil
    }

    /// True when the percent-decoded `path` has a `.` or `..` segment.
    public static func hasDotSegment(_ path: String) -> Bool {
        var bytes = Array(path.utf8)
        for _ in 0..<4 {
            let segments = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            if segments.contains(where: {
                $0.elementsEqual([UInt8(ascii: ".")]) || $0.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")])
            }) {
                return true
            }
            let decoded = PercentEncoding.decode(bytes, plusAsSpace: false)
            if decoded == bytes { break }
            bytes = decoded
        }
        return false
    }
}
