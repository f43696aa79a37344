/// Text for the SVG the server draws. Component titles, port names and connection names come
/// from agent authors and vault users, so every text and attribute value goes through here:
/// markup characters become entities (a name of `</svg><script>` stays text), characters XML
/// forbids become spaces, and long text is cut so that one name cannot make the page huge.
enum XMLText {
    /// `text` escaped for an element's content or a quoted attribute value.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // XML 1.0 allows no other control characters, and a line break means nothing in an SVG text.
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0xFFFE...0xFFFF).contains(scalar.value):
                out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The first `limit` characters of `text`, with an ellipsis when some were left off, escaped.
    static func cut(_ text: String, _ limit: Int) -> String {
        guard text.count > limit else { return escaped(text) }
        return escaped(String(text.prefix(max(limit - 1, 0))) + "…")
    }
}
