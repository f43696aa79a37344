import Foundation

/// The images (or files) an LLM component sends with its prompt, from an input value: a URL
/// the provider fetches, a `data:` URL, or base64 of a PNG, JPEG, GIF or WebP image (told
/// apart by its first bytes), alone or in an array. SRE also reads its file store
/// (`smythfs://`), which Keyflow does not have: such a value is an error that says so.
enum ImageInputs {
    static func parts(from value: JSONValue?, input: String) throws -> [LLMMessage.Part] {
        switch value {
        case nil, .null?: return []
        case .array(let items)?: return try items.flatMap { try parts(from: $0, input: input) }
        case .string(let text)?:
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { return [] }
            return [try part(trimmed, input: input)]
        case .object(let object)?:
            // A file object as SRE's BinaryInput serializes it: {url} or {base64, mimetype}.
            if let url = object["url"]?.stringValue { return [try part(url, input: input)] }
            if let data = object["base64"]?.stringValue ?? object["data"]?.stringValue {
                let type = object["mimetype"]?.stringValue ?? object["mimeType"]?.stringValue
                return [try base64Part(data, mediaType: type, input: input)]
            }
            throw ComponentError(message: "\(input): a file object needs a url or base64 data")
        default:
            throw ComponentError(
                message: "\(input): expected an image URL, a data URL or base64, not a \(value?.typeName ?? "value")")
        }
    }

    private static func part(_ text: String, input: String) throws -> LLMMessage.Part {
        let lower = text.lowercased()
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") { return .imageURL(text) }
        if lower.hasPrefix("data:") {
            guard let comma = text.firstIndex(of: ","), text[..<comma].lowercased().hasSuffix(";base64") else {
                throw ComponentError(message: "\(input): only base64 data URLs are supported")
            }
            let mediaType = String(text[text.index(text.startIndex, offsetBy: 5)..<comma].dropLast(7))
            return try base64Part(String(text[text.index(after: comma)...]), mediaType: mediaType, input: input)
        }
        if lower.hasPrefix("smythfs://") {
            throw ComponentError(
                message:
                    "\(input): \(text.prefix(40))… is in SmythOS's file store, which Keyflow does not have; pass a URL or base64"
            )
        }
        return try base64Part(text, mediaType: nil, input: input)
    }

    private static func base64Part(_ text: String, mediaType: String?, input: String) throws -> LLMMessage.Part {
        let compact = text.filter { !$0.isWhitespace }
        guard let bytes = Data(base64Encoded: compact), !bytes.isEmpty else {
            throw ComponentError(message: "\(input): not a URL, a data URL or base64")
        }
        guard let type = (mediaType.flatMap { $0.isEmpty ? nil : $0 }) ?? sniff(bytes) else {
            throw ComponentError(message: "\(input): the file is not a PNG, JPEG, GIF or WebP image")
        }
        return .image(mediaType: type, base64: compact)
    }

    /// The media type the first bytes show, nil when none of the supported ones.
    static func sniff(_ bytes: Data) -> String? {
        let head = [UInt8](bytes.prefix(12))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if head.starts(with: Array("GIF8".utf8)) { return "image/gif" }
        if head.count >= 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) {
            return "image/webp"
        }
        return nil
    }
}
