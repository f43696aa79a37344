import Foundation

/// The `Retry-After` header (RFC 9110 §10.2.3): delay seconds, or an HTTP date. Absurd values
/// (a hundred digits, a date in the year 9999) become a long but finite duration instead of
/// trapping: the retry policy caps what it honours anyway.
enum RetryAfter {
    /// How long `value` asks to wait from `now`; nil when it is neither form. A date in the
    /// past asks for no wait.
    static func duration(_ value: String, now: Date = Date()) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        if text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) {
            // Delay seconds are an integer; a fraction is read too, as some servers send one.
            guard let seconds = SafeNumbers.finite(text) else { return nil }
            return SafeNumbers.duration(seconds: seconds)
        }
        guard let date = httpDate(text) else { return nil }
        return SafeNumbers.duration(seconds: date.timeIntervalSince(now))
    }

    /// An HTTP date in the preferred IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`), or in
    /// the obsolete RFC 850 and asctime forms that recipients must still accept.
    static func httpDate(_ text: String) -> Date? {
        FormattedDates.date(from: text, formats: formats, timeZone: TimeZone(identifier: "GMT"))
    }

    private static let formats = [
        "EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy",
    ]
}
