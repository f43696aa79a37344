import OAuthCore

/// What an edit changes about where a connection's secrets go. Two rules hang on it:
/// widening the allowed origins signs the connection out (its tokens must not reach a new
/// origin), and moving an endpoint to a new origin needs the stored client or consumer secret
/// (and RSA key) typed again, so that whoever edits a URL cannot make the next login or refresh
/// carry a secret they do not know to a host they chose.
struct OriginChanges {
    /// The endpoint fields whose requests carry, or are signed with, the connection's secrets.
    static let endpointFields = [
        "authorizationURL", "tokenURL", "revocationURL", "requestTokenURL", "accessTokenURL", "userAuthorizationURL",
    ]
    /// The stored secrets an endpoint receives or is signed with.
    static let secretFields = ["clientSecret", "consumerSecret", "privateKey"]

    /// The settings before the edit (nil when the old kind is no longer in the catalog:
    /// then everything counts as new).
    let old: EffectiveSettings?
    let new: EffectiveSettings

    /// Allowed origins the edit adds (a new host, or a known host with another scheme or port).
    var addedOrigins: [AllowedOrigin] {
        let before = Set(old?.allowedOrigins ?? [])
        return new.allowedOrigins.filter { !before.contains($0) }
    }

    /// The endpoint fields whose effective URL now points to another origin than before
    /// (or is set where it was not), with the new origin.
    var movedEndpoints: [(field: String, origin: String)] {
        Self.endpointFields.compactMap { field -> (field: String, origin: String)? in
            guard let url = Self.url(field, of: new), let origin = try? RequestURL(url).origin else { return nil }
            let before = old.flatMap { Self.url(field, of: $0) }.flatMap { try? RequestURL($0).origin }
            return before == origin ? nil : (field, origin)
        }
    }

    /// For each secret that the edit keeps without it being typed again while an endpoint
    /// moves, a problem with that secret's field.
    func problems(input: ConnectionInput, kept secrets: ConnectionSecrets, catalog: ProviderCatalog) -> [FieldProblem] {
        guard let moved = movedEndpoints.first else { return [] }
        let label = catalog.field(id: moved.field)?.label ?? moved.field
        return Self.secretFields.compactMap { field in
            guard input.text[field] == nil, let value = secrets.value(of: field), !value.isEmpty else { return nil }
            let name = catalog.field(id: field)?.label.lowercased() ?? field
            return FieldProblem(
                ConnectionField(rawValue: field), .retypeSecret(secret: name, endpoint: label, origin: moved.origin))
        }
    }

    private static func url(_ field: String, of settings: EffectiveSettings) -> String? {
        switch field {
        case "authorizationURL": return settings.authorizationURL
        case "tokenURL": return settings.tokenURL
        case "revocationURL": return settings.revocationURL
        case "requestTokenURL": return settings.requestTokenURL
        case "accessTokenURL": return settings.accessTokenURL
        default: return settings.userAuthorizationURL
        }
    }
}
