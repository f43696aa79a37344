/// Conversions of numbers that come from agent files and inputs. Swift traps on an integer
/// conversion or arithmetic that overflows (`Int(1e308)`, `.seconds(Int.max)` handed to a
/// sleep), and a trap ends the whole server; so every such number is parsed here, checked
/// for being finite, and clamped before it becomes an `Int` or a `Duration`.
public enum SafeNumbers {
    /// The number in `text` (a JSON value's text, trimmed), or nil when there is none or it is
    /// NaN or infinite.
    public static func finite(_ text: String) -> Double? {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty, let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }

    /// `seconds` as a duration between zero and `ceiling`; NaN is zero. Built from whole
    /// milliseconds, which for any ceiling of up to a day fit an `Int64` many times over.
    public static func duration(seconds: Double, ceiling: Duration = RunLimits.longestDuration) -> Duration {
        let cap = min(ceiling, RunLimits.longestDuration)
        guard seconds.isFinite || seconds == .infinity, seconds > 0 else { return .zero }
        let capSeconds = Double(cap.components.seconds) + Double(cap.components.attoseconds) / 1e18
        if seconds >= capSeconds { return cap }
        return min(.milliseconds(Int64((seconds * 1000).rounded(.up))), cap)
    }

    /// A duration in seconds, as a number for messages and comparisons.
    public static func seconds(of duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// `value` clamped into `range`; NaN gives the lower bound.
    public static func clamp(_ value: Double, to range: ClosedRange<Int>) -> Int {
        guard !value.isNaN else { return range.lowerBound }
        if value <= Double(range.lowerBound) { return range.lowerBound }
        if value >= Double(range.upperBound) { return range.upperBound }
        return Int(value)
    }
}

extension String {
    /// Leading and trailing spaces and tabs removed (what `Substring.trimmingSpaces` does).
    var trimmingSpaces: String { Substring(self).trimmingSpaces }
}
