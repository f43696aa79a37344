import Foundation

/// The connection kinds Keyflow knows, read from data (`providers.json`), not from code.
public struct ProviderCatalog: Sendable, Codable, Equatable {
    /// Every field a kind may ask for.
    public var fields: [ProviderField]
    /// Every connection kind, in the order of `providers.json`.
    public var kinds: [ProviderKind]

    /// Decodes a catalog and checks that it is consistent: unique ids, known fields.
    public init(json: Data) throws(CatalogError) {
        let decoded: ProviderCatalog
        do {
            decoded = try JSONDecoder().decode(ProviderCatalog.self, from: json)
        } catch {
            throw CatalogError(reason: "the provider catalog is not valid: \(error)")
        }
        self = decoded
        try validate()
    }

    /// The catalog shipped with Keyflow (embedded in the binary, so an installed `keyflow`
    /// needs no resource files next to it).
    public static func builtIn() throws(CatalogError) -> ProviderCatalog {
        try builtInResult.get()
    }

    private static let builtInResult: Result<ProviderCatalog, CatalogError> = {
        do throws(CatalogError) {
            return .success(try ProviderCatalog(json: Data(PackageResources.providers_json)))
        } catch {
            return .failure(error)
        }
    }()

    /// The kind with this id, if any.
    public func kind(id: String) -> ProviderKind? {
        kinds.first { $0.id == id }
    }

    /// The kind a SmythOS Legacy `oauthService` value stands for (`"Twitter/X OAuth2"`).
    public func kind(legacyServiceName: String) -> ProviderKind? {
        kinds.first { $0.legacyServiceNames.contains(legacyServiceName) }
    }

    /// The field with this id, if any.
    public func field(id: String) -> ProviderField? {
        fields.first { $0.id == id }
    }

    private func validate() throws(CatalogError) {
        var seen = Set<String>()
        for kind in kinds {
            guard seen.insert(kind.id).inserted else { throw CatalogError(reason: "kind \(kind.id) appears twice") }
            for fieldID in kind.requiredFields + kind.optionalFields where field(id: fieldID) == nil {
                throw CatalogError(reason: "kind \(kind.id) names unknown field \(fieldID)")
            }
            if kind.protocol == .oauth2 && kind.clientAuthentication == nil {
                throw CatalogError(reason: "OAuth 2.0 kind \(kind.id) has no clientAuthentication")
            }
            if kind.protocol == .oauth1 && kind.signatureMethod == nil {
                throw CatalogError(reason: "OAuth 1.0a kind \(kind.id) has no signatureMethod")
            }
        }
    }
}
