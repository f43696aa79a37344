import Foundation

/// SmythOS's Date input type: a number, or text that is a number, is milliseconds since 1970;
/// other text is read as its `dayjs` reads it: `2024-01-20`, `2024/01/20 10:30` and the like in
/// local time, ISO 8601 with `Z` or an offset as that instant, and the US forms JavaScript's
/// `Date` takes (`01/20/2024`, `January 20, 2024`, `Sat Jan 20 2024`) in local time. The
/// value becomes an ISO 8601 string in UTC with milliseconds (`2024-01-20T00:00:00.000Z`).
/// "Local" is the process's time zone (`TZ`), as in SmythOS.
enum SmythDate {
    static func iso(_ value: JSONValue) -> String? {
        switch value {
        case .number(let milliseconds): return iso(milliseconds: milliseconds)
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { return iso(milliseconds: 0) }  // JavaScript's Number(" ") is 0
            if let milliseconds = SafeNumbers.finite(trimmed) { return iso(milliseconds: milliseconds) }
            return parse(text).map(format)
        default: return nil
        }
    }

    /// JavaScript's dates span ±8.64e15 ms around 1970; beyond that a date is invalid.
    static func iso(milliseconds: Double) -> String? {
        guard milliseconds.isFinite, abs(milliseconds) <= 8.64e15 else { return nil }
        return format(Date(timeIntervalSince1970: milliseconds / 1000))
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    static func parse(_ text: String) -> Date? {
        if !text.hasSuffix("Z"), !text.hasSuffix("z"), let date = dayjsLocal(text) { return date }
        let iso = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime],
        ] {
            iso.formatOptions = options
            if let date = iso.date(from: text) { return date }
        }
        return FormattedDates.date(
            from: text,
            formats: [
                "MM/dd/yyyy", "M/d/yyyy", "MM/dd/yyyy HH:mm", "MM/dd/yyyy HH:mm:ss", "MMMM d, yyyy", "MMM d, yyyy",
                "MMMM d, yyyy HH:mm:ss", "EEE MMM dd yyyy", "EEE MMM d yyyy", "EEE MMM dd yyyy HH:mm:ss", "d MMMM yyyy",
            ], timeZone: TimeZone.current, lenient: false)
    }

    /// dayjs's own pattern: year, then optional month, day, hours, minutes, seconds and
    /// milliseconds, read in local time.
    private static func dayjsLocal(_ text: String) -> Date? {
        let pattern =
            #"^(\d{4})[-/]?(\d{1,2})?[-/]?(\d{0,2})[Tt\s]*(\d{1,2})?:?(\d{1,2})?:?(\d{1,2})?[.:]?(\d+)?$"#
        guard let expression = try? NSRegularExpression(pattern: pattern),
            let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return nil }
        func part(_ index: Int) -> Int? {
            guard let range = Range(match.range(at: index), in: text), !text[range].isEmpty else { return nil }
            return Int(text[range].prefix(9))
        }
        var components = DateComponents()
        components.year = part(1)
        components.month = part(2) ?? 1
        components.day = part(3) ?? 1
        components.hour = part(4) ?? 0
        components.minute = part(5) ?? 0
        components.second = part(6) ?? 0
        if let range = Range(match.range(at: 7), in: text), !text[range].isEmpty {
            // Milliseconds: the first three digits, as dayjs takes them.
            let digits = String(text[range].prefix(3)).padding(toLength: 3, withPad: "0", startingAt: 0)
            components.nanosecond = (Int(digits) ?? 0) * 1_000_000
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        return calendar.date(from: components)
    }
}
