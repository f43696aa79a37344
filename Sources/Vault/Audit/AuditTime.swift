import Foundation

/// The times the audit commands and API take: ISO 8601 (`2026-05-01T12:00:00Z`, or a date
/// alone, `2026-05-01`, as midnight UTC), or an age before now: `90s`, `30m`, `24h`, `7d`, `2w`.
public enum AuditTime {
    /// Seconds since 1970 for `text`, or nil when it is neither form.
    public static func parse(_ text: String, now: Date = Date()) -> Double? {
        guard let age = duration(text) else { return absolute(text) }
        return now.timeIntervalSince1970 - age
    }

    /// Seconds for an age like `24h` or `90d`; nil otherwise (a retention setting takes this).
    public static func duration(_ text: String) -> Double? {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard let unit = text.last, let seconds = units[unit] else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let count = Double(digits)
        else { return nil }
        return count * seconds
    }

    static let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800]

    static func absolute(_ text: String) -> Double? {
        // Foundation's formatters are given plain ASCII only (see FuzzRegressionTests).
        guard !text.isEmpty, text.count <= 40, text.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            return nil
        }
        let full = ISO8601DateFormatter()
        if let date = full.date(from: text) { return date.timeIntervalSince1970 }
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = full.date(from: text) { return date.timeIntervalSince1970 }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text)?.timeIntervalSince1970
    }

    /// `at` as ISO 8601 in UTC, to the second.
    public static func format(_ at: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: at))
    }
}
