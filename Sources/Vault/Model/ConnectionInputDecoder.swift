import OAuthCore

/// Reads a `ConnectionInput` from named values, whatever carried them: a JSON body, a web
/// form, an agent's OAuth section or CLI flags. The one place that knows the catalog's field
/// ids and types, the SmythOS inline alias `scope`, how booleans are written (`on`, `true`)
/// and how a list is written in one text box (space- or comma-separated allowed hosts).
public struct ConnectionInputDecoder: Sendable {
    /// A value as its source gives it.
    public enum Value: Sendable, Equatable {
        /// A string: a form field, a JSON string, a flag's argument.
        case text(String)
        /// A list: a JSON array, a repeated flag.
        case list([String])
        /// A JSON boolean or an on/off flag.
        case bool(Bool)
    }

    /// What an empty value (empty text or an empty list) means.
    public enum EmptyValues: Sendable {
        /// Given as it is: it clears the setting or secret (the JSON API, the CLI).
        case given
        /// Not given: a new connection's form sends the empty fields of other kinds too, and
        /// an agent's section leaves out what it does not set.
        case notGiven
        /// An empty setting is cleared (the kind's default applies again), but an empty secret
        /// box or scopes box keeps what is stored (the Edit form).
        case clearSettingsKeepSecrets
    }

    /// The SmythOS inline names that stand for catalog ids; the catalog id wins when both are given.
    public static let aliases: [String: String] = ["scope": "scopes"]
    /// A connection's name and kind are given apart from its fields, so they are skipped here.
    static let givenApart: Set<String> = ["name", "kind"]

    /// The catalog whose field ids and types are read.
    public let catalog: ProviderCatalog
    /// What an empty value means for this source.
    public var emptyValues: EmptyValues
    /// Skip names that are not catalog fields (an agent's section also holds the request's
    /// URL, headers...); otherwise they are kept, and the Vault reports that they do not apply.
    public var catalogFieldsOnly: Bool

    /// A decoder for one kind of source.
    public init(catalog: ProviderCatalog, emptyValues: EmptyValues = .given, catalogFieldsOnly: Bool = false) {
        self.catalog = catalog
        self.emptyValues = emptyValues
        self.catalogFieldsOnly = catalogFieldsOnly
    }

    /// The input the named values give, in their order (a later value of a field replaces an earlier one).
    public func decode(_ values: some Sequence<(name: String, value: Value)>) -> ConnectionInput {
        var input = ConnectionInput()
        var byOwnName = Set<String>()
        for (name, value) in values {
            let id = Self.aliases[name] ?? name
            guard !Self.givenApart.contains(id) else { continue }
            if id != name && byOwnName.contains(id) { continue }
            if id == name { byOwnName.insert(id) }
            read(value, into: &input, field: id)
        }
        return input
    }

    /// The input a form's fields give (every value is text).
    public func decode(form fields: some Sequence<(name: String, value: String)>) -> ConnectionInput {
        decode(fields.map { (name: $0.name, value: Value.text($0.value)) })
    }

    private func read(_ value: Value, into input: inout ConnectionInput, field id: String) {
        let field = catalog.field(id: id)
        if field == nil && catalogFieldsOnly { return }
        switch (field?.type, value) {
        case (.bool?, .bool(let flag)):
            set(flag, id, in: &input)
        case (.bool?, .text(let text)):
            if let flag = Self.bool(text) { set(flag, id, in: &input) }
        case (.list?, .list(let items)):
            if items.isEmpty && emptyValues == .notGiven { return }
            setList(items, id, in: &input)
        case (.list?, .text(let text)):
            let isEmpty = text.allSatisfy { $0 == " " || $0 == "," }
            if isEmpty
                && (emptyValues == .notGiven
                    || (emptyValues == .clearSettingsKeepSecrets && id == ConnectionField.scopes.rawValue))
            {
                return
            }
            // Scopes stay one text (the Vault splits them); a hosts box holds several entries.
            setList(id == ConnectionField.scopes.rawValue ? [text] : Self.split(text), id, in: &input)
        case (_, .list), (_, .bool):
            return  // a list or a boolean where text is wanted
        case (_, .text(let text)):
            if text.isEmpty {
                switch emptyValues {
                case .given: break
                case .notGiven: return
                case .clearSettingsKeepSecrets: if field?.secret == true { return }
                }
            }
            input.text[id] = text
        }
    }

    private func set(_ flag: Bool, _ id: String, in input: inout ConnectionInput) {
        switch id {
        case ConnectionField.pkce.rawValue: input.pkce = flag
        case ConnectionField.bodyHash.rawValue: input.bodyHash = flag
        default: break
        }
    }

    private func setList(_ items: [String], _ id: String, in input: inout ConnectionInput) {
        switch id {
        case ConnectionField.scopes.rawValue: input.scopes = items
        case ConnectionField.allowedHosts.rawValue: input.allowedHosts = items
        default: break
        }
    }

    /// A checkbox or a written boolean; nil for anything else (so it is not given).
    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "on", "true", "1", "yes": return true
        case "off", "false", "0", "no": return false
        default: return nil
        }
    }

    /// Entries of a list typed in one box, separated by spaces or commas.
    static func split(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
    }
}
