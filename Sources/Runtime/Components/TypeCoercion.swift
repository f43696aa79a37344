import Foundation

/// SmythOS's input typing (SRE's `performTypeInference`), applied to the inputs a component
/// declares with a type, received or from `defaultVal` alike:
/// - `Any` leaves the value alone; `String`/`Text` turns objects and arrays into JSON text and
///   the texts `null`/`undefined` into "";
/// - `Number` and `Integer` read text as JavaScript's `parseFloat`/`parseInt` do (`"12abc"` is
///   12; Infinity is refused: it has no JSON form);
/// - `Boolean` takes `true`/`"true"`/`"1"`/1 and `"false"`/`"0"`, in any case;
/// - `Array` keeps arrays, reads text starting with `[` as (lenient) JSON and splits other text
///   at commas; `Object` keeps objects and reads text as lenient JSON (`{message:"hi"}` too);
/// - `Date` becomes an ISO 8601 string in UTC (`SmythDate`).
/// Falsy values (`0`, `false`, `""`, `null`) are never converted, as in SRE. A value that does
/// not convert is an error whose message starts as SRE's does (`Invalid Number value`).
/// Binary inputs are left as they are: Keyflow has no file store (see the README).
enum TypeCoercion {
    static func coerce(_ value: JSONValue, to type: String?, input: String) throws -> JSONValue {
        guard let type = type?.lowercased(), Logic.isSet(value) else { return value }
        switch type {
        case "string", "text":
            switch value {
            case .string("null"), .string("undefined"): return .string("")
            case .string: return value
            case .object, .array: return .string(JSONWriter.string(value))
            default: return .string(Template.text(of: value))
            }
        case "number":
            if case .number = value { return value }
            guard case .string(let text) = value, let number = JavaScriptNumbers.parseFloat(text) else {
                throw invalid("Number", input)
            }
            return .number(number)
        case "integer":
            let number: Double?
            switch value {
            case .number(let given): number = given.isFinite ? given.rounded(.towardZero) : nil
            case .string(let text): number = JavaScriptNumbers.parseInt(text)
            default: number = nil
            }
            guard let number else { throw invalid("Integer", input) }
            return .number(number)
        case "boolean":
            switch value {
            case .bool: return value
            case .string, .number: return try boolean(Template.text(of: value), input)
            default: throw invalid("Boolean", input)
            }
        case "array":
            switch value {
            case .array: return value
            case .string(let text):
                if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("[") {
                    return LenientJSON.parse(text)
                }
                return .array(text.split(separator: ",", omittingEmptySubsequences: false).map { .string(String($0)) })
            default: throw invalid("Array", input)
            }
        case "object":
            switch value {
            case .object: return value
            case .string(let text):
                let parsed = LenientJSON.parse(text)
                guard parsed.objectValue != nil else { throw invalid("Object", input) }
                return parsed
            default: throw invalid("Object", input)
            }
        case "date":
            guard let iso = SmythDate.iso(value) else {
                throw ComponentError(
                    message: "Invalid Date value for input \(input): the date string is expected to be in a format "
                        + "commonly used in English-speaking countries")
            }
            return .string(iso)
        default:
            return value
        }
    }

    /// The component's inputs with each declared type applied; undeclared inputs pass as they are.
    static func coerceDeclared(_ inputs: [String: JSONValue], of component: Component) throws -> [String: JSONValue] {
        var typed = inputs
        for port in component.inputs where port.type != nil {
            if let value = inputs[port.name] { typed[port.name] = try coerce(value, to: port.type, input: port.name) }
        }
        return typed
    }

    private static func boolean(_ text: String, _ input: String) throws -> JSONValue {
        switch text.lowercased() {
        case "true", "1": return .bool(true)
        case "false", "0": return .bool(false)
        default: throw invalid("Boolean", input)
        }
    }

    private static func invalid(_ type: String, _ input: String) -> ComponentError {
        ComponentError(message: "Invalid \(type) value for input \(input)")
    }
}
