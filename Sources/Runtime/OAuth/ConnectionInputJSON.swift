import Vault

extension ConnectionInputDecoder {
    /// The input a JSON object's members give (an API body's `fields`, an agent's OAuth
    /// section): strings as text, booleans, arrays as lists of their strings; other values
    /// are skipped. `trimmingWhitespace` trims the strings first, as agent files are hand-written.
    public func decode(json object: JSONObject, trimmingWhitespace: Bool = false) -> ConnectionInput {
        decode(
            object.compactMap { member -> (name: String, value: Value)? in
                switch member.value {
                case .string(let text):
                    return (member.key, .text(trimmingWhitespace ? text.trimmingCharacters(in: .whitespaces) : text))
                case .bool(let flag): return (member.key, .bool(flag))
                case .array(let items): return (member.key, .list(items.compactMap(\.stringValue)))
                default: return nil
                }
            })
    }
}
