import Foundation

/// The message in a provider's error answer: OpenAI's and Anthropic's `error.message`, or
/// what OpenAI-compatible servers put instead (`error` as a string, `message`, `detail`),
/// or the body itself when it is short text. Not yet redacted or cut: the client does that.
enum ProviderErrorMessage {
    static func text(_ body: [UInt8]) -> String {
        if let value = try? JSONParser.parse(body) {
            if let message = value["error"]?["message"]?.stringValue { return message }
            for key in ["error", "message", "detail"] {
                if let message = value[key]?.stringValue { return message }
            }
            return "no message in the answer"
        }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "no message in the answer" : text
    }
}
