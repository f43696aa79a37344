import OAuthCore
import Vault

/// What an APICall's OAuth section asks for, read from its `data` the way SmythOS Studio
/// writes it.
public enum OAuthSection: Sendable, Equatable {
    /// No OAuth.
    case none
    /// A saved vault connection (`oauth_con_id`).
    case vault(id: String)
    /// The inline settings from before the Vault (`oauthService` + fields), kept as a
    /// Legacy connection for this agent and component.
    case legacy(kind: String, input: ConnectionInput)
    /// `oauth_con_id: "add_new"`: create (once) and authenticate this connection first.
    case addNew(kind: String, name: String, input: ConnectionInput)
    /// The section is broken; the message says how.
    case invalid(String)

    /// The `oauthService` values SmythOS Studio wrote for "no OAuth".
    public static let noService: Set<String> = ["", "None", "none"]

    /// Reads the section from an APICall's `data`; inline fields use the catalog's ids or SmythOS's names.
    public init(data: JSONObject, catalog: ProviderCatalog) {
        let conID = data["oauth_con_id"]?.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
        let service = data["oauthService"]?.stringValue ?? ""
        if conID == "add_new" {
            guard let spec = data["oauth_new"]?.objectValue else {
                self = .invalid("oauth_new: Add New needs {\"kind\", \"name\", ...fields}"); return
            }
            guard let kind = spec["kind"]?.stringValue, catalog.kind(id: kind) != nil else {
                self = .invalid("oauth_new.kind: expected one of \(catalog.kinds.map(\.id).joined(separator: ", "))")
                return
            }
            guard let name = spec["name"]?.stringValue, !name.isEmpty else {
                self = .invalid("oauth_new.name: missing"); return
            }
            self = .addNew(kind: kind, name: name, input: Self.input(from: spec, catalog: catalog))
            return
        }
        // Studio saved Legacy sections with a placeholder id `OAUTH_<uid>_TOKENS`.
        let isLegacyPlaceholder = conID.hasPrefix("OAUTH_") && conID.hasSuffix("_TOKENS")
        if !conID.isEmpty && conID != "None" && !isLegacyPlaceholder {
            self = .vault(id: conID)
            return
        }
        if Self.noService.contains(service) { self = .none; return }
        guard let kind = catalog.kind(legacyServiceName: service)?.id else {
            let services = catalog.kinds.flatMap(\.legacyServiceNames)
            self = .invalid(
                "oauthService: \"\(service)\" is not a SmythOS OAuth service (\(services.joined(separator: ", ")))")
            return
        }
        self = .legacy(kind: kind, input: Self.input(from: data, catalog: catalog))
    }

    /// The connection fields of an inline or Add New section: the SmythOS inline names
    /// (`clientID`, `scope`, ...) and the catalog ids are both read; the section's other
    /// settings (URL, headers...) and empty values are not connection input.
    static func input(from object: JSONObject, catalog: ProviderCatalog) -> ConnectionInput {
        ConnectionInputDecoder(catalog: catalog, emptyValues: .notGiven, catalogFieldsOnly: true).decode(
            json: object, trimmingWhitespace: true)
    }
}
