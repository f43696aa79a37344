/// Durations as the serve flags take them: a whole number and a unit, `30s`, `5m`, `2h`, `7d`.
public enum DurationText {
    /// Seconds in `text`, or nil when it is not such a duration (or is zero or absurdly long).
    public static func seconds(_ text: String) -> Double? {
        guard let unit = text.last, let value = Int(text.dropLast()), value > 0, value <= 10_000_000 else { return nil }
        switch unit {
        case "s": return Double(value)
        case "m": return Double(value) * 60
        case "h": return Double(value) * 3600
        case "d": return Double(value) * 86400
        default: return nil
        }
    }
}
