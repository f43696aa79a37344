import Foundation

/// Dates read with Foundation's `DateFormatter`, from text that came from outside (an endpoint's
/// caller, a provider's `Retry-After`). The formatter traps ("Incorrect range CFRange") on a
/// letter followed by a combining mark (`M\u{343}`) under its `EEE` patterns, which a
/// libFuzzer target found; a trap there would kill the server. Every form read this way (HTTP
/// dates, SRE's English date patterns) is ASCII, so text that is not is no date and never
/// reaches the formatter.
enum FormattedDates {
    /// The date `text` gives under the first of `formats` that reads it; nil for none, and for
    /// any text that is not all ASCII.
    static func date(from text: String, formats: [String], timeZone: TimeZone?, lenient: Bool = true) -> Date? {
        guard text.unicodeScalars.allSatisfy(\.isASCII) else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.isLenient = lenient
        for format in formats {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
