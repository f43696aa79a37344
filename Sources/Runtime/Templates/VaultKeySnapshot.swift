import Foundation
import Vault

/// The vault keys an agent's `{{KEY(NAME)}}` placeholders name, read from the vault before the
/// run starts, so that rendering a template (synchronous, inside a component) never waits for
/// the store. A key that is missing, or that fails to open, is not an error here: the lookup
/// answers nil or throws the vault's error when a component renders it, exactly as a lookup
/// at render time would. Values stay in memory only for the run that loaded them.
public struct VaultKeySnapshot: Sendable {
    private let values: [String: Result<String?, VaultError>]

    /// A snapshot of no keys: every lookup answers nil.
    public init() {
        values = [:]
    }

    /// Reads every key `names` lists from `vault`.
    public init(vault: Vault, names: Set<String>) async {
        var values: [String: Result<String?, VaultError>] = [:]
        for name in names.sorted() {
            do { values[name] = .success(try await vault.keyValue(name)) } catch { values[name] = .failure(error) }
        }
        self.values = values
    }

    /// The value of key `name`; nil when the vault has none (or it was not named when loading).
    public func value(_ name: String) throws(VaultError) -> String? {
        guard let result = values[name] else { return nil }
        return try result.get()
    }

    /// The names of every `{{KEY(NAME)}}` placeholder in any string of `document` (object
    /// keys too). It reads more than the templates a run renders (a string that is no template
    /// at all is scanned too), never less, so a key a template uses is always loaded.
    public static func keyNames(in document: JSONValue) -> Set<String> {
        var names = Set<String>()
        var pending = [document]
        while let value = pending.popLast() {
            switch value {
            case .string(let text):
                names.formUnion(keyNames(in: text))
            case .array(let items):
                pending.append(contentsOf: items)
            case .object(let object):
                for (key, member) in object {
                    names.formUnion(keyNames(in: key))
                    pending.append(member)
                }
            case .null, .bool, .number:
                break
            }
        }
        return names
    }

    /// The key names in one text, found the way `Template` parses placeholders.
    static func keyNames(in text: String) -> Set<String> {
        guard text.contains("{{") else { return [] }
        var names = Set<String>()
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if inner.hasPrefix("KEY(") && inner.hasSuffix(")") {
                let name = inner.dropFirst(4).dropLast().trimmingCharacters(in: .whitespaces)
                if !name.isEmpty { names.insert(name) }
            }
            rest = rest[close.upperBound...]
        }
        return names
    }
}
