import Foundation

/// JavaScript's `parseFloat` and `parseInt` (no radix), which SmythOS uses to type Number and
/// Integer inputs: leading whitespace is skipped, the longest numeric prefix is read and the
/// rest ignored (`"12abc"` is 12); `parseInt` truncates and reads a `0x` prefix as hex.
/// Only finite values come back: Infinity has no JSON form.
enum JavaScriptNumbers {
    static func parseFloat(_ text: String) -> Double? {
        let scalars = Array(text.unicodeScalars.drop { $0.properties.isWhitespace })
        var end = 0
        if end < scalars.count, scalars[end] == "+" || scalars[end] == "-" { end += 1 }
        let signEnd = end
        while end < scalars.count, ("0"..."9").contains(scalars[end]) { end += 1 }
        var digits = end - signEnd
        if end < scalars.count, scalars[end] == "." {
            var fraction = end + 1
            while fraction < scalars.count, ("0"..."9").contains(scalars[fraction]) { fraction += 1 }
            digits += fraction - end - 1
            if digits > 0 { end = fraction }
        }
        guard digits > 0 else { return nil }
        // An exponent counts only when digits follow it.
        if end < scalars.count, scalars[end] == "e" || scalars[end] == "E" {
            var exponent = end + 1
            if exponent < scalars.count, scalars[exponent] == "+" || scalars[exponent] == "-" { exponent += 1 }
            let start = exponent
            while exponent < scalars.count, ("0"..."9").contains(scalars[exponent]) { exponent += 1 }
            if exponent > start { end = exponent }
        }
        var prefix = String.UnicodeScalarView()
        prefix.append(contentsOf: scalars[0..<end])
        guard let value = Double(String(prefix)), value.isFinite else { return nil }
        return value
    }

    static func parseInt(_ text: String) -> Double? {
        var rest = Substring(text.drop { $0.isWhitespace })
        var sign = 1.0
        if let first = rest.first, first == "+" || first == "-" {
            sign = first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        if rest.hasPrefix("0x") || rest.hasPrefix("0X") {
            let hex = rest.dropFirst(2).prefix { $0.isHexDigit }
            guard !hex.isEmpty else { return nil }
            return accumulate(hex, radix: 16).map { sign * $0 }
        }
        let digits = rest.prefix { ("0"..."9").contains($0) }
        guard !digits.isEmpty else { return nil }
        return accumulate(digits, radix: 10).map { sign * $0 }
    }

    /// The digits' value as a Double (never traps however long they are); nil past Double's range.
    private static func accumulate(_ digits: Substring, radix: Double) -> Double? {
        var value = 0.0
        for digit in digits {
            guard let number = digit.hexDigitValue else { return nil }
            value = value * radix + Double(number)
        }
        return value.isFinite ? value : nil
    }
}
