import Foundation

/// SmythOS's input typing: `String` turns objects into JSON text, `Number`/`Integer`/
/// `Boolean` parse strings, `Array`/`Object` parse JSON text; `Any` leaves values alone.
/// Falsy values (`0`, `false`, `""`, `null`) are never converted, as in SmythOS.
enum TypeCoercion {
    static func coerce(_ value: JSONValue, to type: String?, input: String) throws -> JSONValue {
        guard let type = type?.lowercased(), Logic.isSet(value) else { return value }
        switch type {
        case "string":
            switch value {
            case .string: return value
            case .object, .array: return .string(JSONWriter.string(value))
            default: return .string(Template.text(of: value))
            }
        case "number":
            if case .number = value { return value }
            // NaN and Infinity are refused: they have no JSON form and no use as an amount.
            guard let number = SafeNumbers.finite(Template.text(of: value)) else {
                throw ComponentError(message: "Invalid Number value for input \(input)")
            }
            return .number(number)
        case "integer":
            guard let number = SafeNumbers.finite(Template.text(of: value)) else {
                throw ComponentError(message: "Invalid Integer value for input \(input)")
            }
            return .number(number.rounded(.towardZero))
        case "boolean":
            if case .bool = value { return value }
            switch Template.text(of: value).lowercased() {
            case "true", "1": return .bool(true)
            case "false", "0": return .bool(false)
            default: throw ComponentError(message: "Invalid Boolean value for input \(input)")
            }
        case "array":
            if case .array = value { return value }
            if case .string(let text) = value {
                if text.hasPrefix("["), let parsed = try? JSONParser.parse(text), parsed.arrayValue != nil {
                    return parsed
                }
                return .array(text.split(separator: ",", omittingEmptySubsequences: false).map { .string(String($0)) })
            }
            throw ComponentError(message: "Invalid Array value for input \(input)")
        case "object":
            if case .object = value { return value }
            if case .string(let text) = value, let parsed = try? JSONParser.parse(text), parsed.objectValue != nil {
                return parsed
            }
            throw ComponentError(message: "Invalid Object value for input \(input)")
        default:
            return value
        }
    }
}
