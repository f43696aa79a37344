import OAuthCore

/// Checks a `ConnectionInput` against its kind and turns it into settings and secrets.
/// Every problem is collected, typed and tied to its field, so the user fixes them in one go
/// (each layer names the fields its own way: see `FieldProblem`).
struct ConnectionValidator {
    let kind: ProviderKind
    let catalog: ProviderCatalog

    /// URL fields any kind of the same protocol may override: pointing a prefilled kind at a
    /// proxy, a regional endpoint or a test server.
    var overridableURLs: Set<String> {
        kind.protocol == .oauth2
            ? ["authorizationURL", "tokenURL", "revocationURL"]
            : ["requestTokenURL", "accessTokenURL", "userAuthorizationURL", "revocationURL"]
    }

    var accepted: Set<String> {
        Set(kind.requiredFields + kind.optionalFields).union(overridableURLs).union(["allowedHosts"])
    }

    /// - Parameters:
    ///   - existing: the current settings and secrets when editing (given fields replace
    ///     them, others stay), and whether the kind is unchanged.
    ///   - previousKind: when editing, the kind before the edit (nil if the catalog no longer
    ///     has it), to tell which endpoints move to another origin.
    func validated(
        _ input: ConnectionInput, existing: (ConnectionSettings, ConnectionSecrets, Bool)?, name: String,
        previousKind: ProviderKind? = nil
    )
        throws(VaultError) -> (ConnectionSettings, ConnectionSecrets)
    {
        var problems: [FieldProblem] = []
        if name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append(FieldProblem(.name, .empty)) }

        let takes = accepted.sorted().map(ConnectionField.init(rawValue:))
        for field in input.givenFields.subtracting(accepted).sorted() {
            problems.append(
                FieldProblem(
                    ConnectionField(rawValue: field),
                    .notApplicable(kind: kind.displayName, kindID: kind.id, accepted: takes)))
        }

        var settings = existing?.0 ?? ConnectionSettings()
        var secrets = existing?.1 ?? ConnectionSecrets()
        if let existing, !existing.2 {
            // Kind changed: keep what the new kind still takes, drop the rest.
            settings = existing.0.keeping(accepted)
            secrets = existing.1.keeping(accepted)
        }
        func text(_ id: String) -> String? { input.text[id].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } }
        if let value = text("clientID") { settings.clientID = value }
        if let value = text("consumerKey") { settings.consumerKey = value }
        if let value = text("audience") { settings.audience = value.isEmpty ? nil : value }
        for id in [
            "authorizationURL", "tokenURL", "revocationURL", "requestTokenURL", "accessTokenURL",
            "userAuthorizationURL",
        ] {
            guard let value = text(id) else { continue }
            if !value.isEmpty {
                do { _ = try RequestURL(value) } catch {
                    problems.append(FieldProblem(ConnectionField(rawValue: id), .invalidURL(error.reason)))
                }
            }
            let stored = value.isEmpty ? nil : value
            switch id {
            case "authorizationURL": settings.authorizationURL = stored
            case "tokenURL": settings.tokenURL = stored
            case "revocationURL": settings.revocationURL = stored
            case "requestTokenURL": settings.requestTokenURL = stored
            case "accessTokenURL": settings.accessTokenURL = stored
            default: settings.userAuthorizationURL = stored
            }
        }
        // Empty, as an Edit form sends a choice never made: cleared, so the kind's default applies.
        if let value = text("clientAuthentication"), value.isEmpty {
            settings.clientAuthentication = nil
        } else if let value = text("clientAuthentication") {
            if ClientAuthentication(rawValue: value) == nil {
                problems.append(
                    FieldProblem("clientAuthentication", .notOneOf(ClientAuthentication.allCases.map(\.rawValue))))
            }
            settings.clientAuthentication = value
        }
        if let value = text("signatureMethod"), value.isEmpty {
            settings.signatureMethod = nil
        } else if let value = text("signatureMethod") {
            if let method = OAuth1SignatureMethod(name: value) {
                settings.signatureMethod = method.rawValue
            } else {
                problems.append(
                    FieldProblem("signatureMethod", .notOneOf(OAuth1SignatureMethod.allCases.map(\.rawValue))))
            }
        }
        if let scopes = input.scopes {
            settings.scopes = scopes.flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) }
        }
        if let hosts = input.allowedHosts {
            // Stored in the shortest form of `AllowedOrigin`, so equal origins compare equal.
            let entries = hosts.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for entry in entries {
                if let problem = AllowedOrigin.problem(with: entry) {
                    problems.append(FieldProblem(.allowedHosts, .invalidAllowedHost(entry: entry, problem: problem)))
                }
            }
            settings.allowedHosts = entries.map { AllowedOrigin($0)?.description ?? $0.lowercased() }
        }
        if let pkce = input.pkce {
            if kind.pkce == .unsupported && pkce {
                problems.append(FieldProblem(.pkce, .pkceUnsupported(kind: kind.displayName)))
            }
            settings.pkce = pkce
        }
        if let bodyHash = input.bodyHash { settings.bodyHash = bodyHash }
        if kind.isAPIKey { problems += readAPIKeyPlacement(input, into: &settings) }
        if let value = input.text["apiKey"] {
            let key = value.trimmingCharacters(in: .whitespacesAndNewlines)
            secrets.apiKey = key.isEmpty ? nil : key
            if key.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                problems.append(FieldProblem(.apiKey, .invalidValue("must not contain control characters")))
            }
        }
        if let value = input.text["clientSecret"] { secrets.clientSecret = value.isEmpty ? nil : value }
        if let value = input.text["consumerSecret"] { secrets.consumerSecret = value.isEmpty ? nil : value }
        if let value = input.text["privateKey"] {
            secrets.privateKey = value.isEmpty ? nil : value
            if !value.isEmpty {
                do { _ = try OAuth1RSAKey(pem: value) } catch {
                    problems.append(FieldProblem("privateKey", .invalidPrivateKey(error.description)))
                }
            }
        }

        // Required fields, considering both the stored and the given values.
        let missing = kind.requiredFields.filter { id in
            let value = settings.value(of: id) ?? secrets.value(of: id)
            return value == nil || value?.isEmpty == true
        }
        for field in missing {
            problems.append(
                FieldProblem(ConnectionField(rawValue: field), .required(kind: kind.displayName, kindID: kind.id)))
        }
        if kind.protocol == .oauth1 {
            let method =
                settings.signatureMethod.flatMap(OAuth1SignatureMethod.init(name:)) ?? kind.signatureMethod ?? .hmacSHA1
            if method == .rsaSHA1 && (secrets.privateKey ?? "").isEmpty {
                problems.append(FieldProblem("privateKey", .neededBy("RSA-SHA1")))
            } else if method != .rsaSHA1 && (secrets.consumerSecret ?? "").isEmpty
                && !missing.contains("consumerSecret")
            {
                problems.append(FieldProblem("consumerSecret", .neededBy(method.rawValue)))
            }
        }
        if kind.grantType == .clientCredentials && (secrets.clientSecret ?? "").isEmpty
            && !missing.contains("clientSecret")
        {
            problems.append(FieldProblem("clientSecret", .neededBy("the client credentials grant")))
        }
        if let existing {
            // A kept secret must not follow an endpoint to an origin chosen by whoever edits.
            let changes = OriginChanges(
                old: previousKind.map { EffectiveSettings(kind: $0, settings: existing.0) },
                new: EffectiveSettings(kind: kind, settings: settings))
            problems += changes.problems(input: input, kept: secrets, catalog: catalog)
            // An API key has no login to redo: a new origin takes the key typed again instead.
            if kind.isAPIKey, let added = changes.addedOrigins.first, input.text["apiKey"] == nil,
                !(secrets.apiKey ?? "").isEmpty
            {
                problems.append(
                    FieldProblem(.apiKey, .retypeForNewOrigin(secret: "API key", origin: added.description)))
            }
        }
        if !problems.isEmpty { throw .invalidConnection(problems) }
        return (settings, secrets)
    }
}

extension ConnectionValidator {
    /// Reads where an API key goes: a header (its name and the prefix before the key) or a
    /// query parameter. The header and prefix are stored explicitly (`Authorization` and
    /// `Bearer ` unless given), so an Edit form shows, and keeps, what is really sent.
    func readAPIKeyPlacement(_ input: ConnectionInput, into settings: inout ConnectionSettings) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        let givenName = input.text["headerName"].map { $0.trimmingCharacters(in: .whitespaces) }
        // Not trimmed: a prefix may end in the space that separates it from the key.
        let givenPrefix = input.text["headerPrefix"]
        if let query = input.text["queryParameter"].map({ $0.trimmingCharacters(in: .whitespaces) }) {
            settings.queryParameter = query.isEmpty ? nil : query
            if !query.isEmpty {
                if query.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                    problems.append(
                        FieldProblem("queryParameter", .invalidValue("must not contain control characters")))
                }
                // Moving the key to the query string clears the header settings it replaces.
                if givenName == nil { settings.headerName = nil }
                if givenPrefix == nil { settings.headerPrefix = nil }
            }
        }
        if let name = givenName { settings.headerName = name.isEmpty ? nil : name }
        if let prefix = givenPrefix { settings.headerPrefix = prefix }
        if settings.queryParameter != nil {
            for field in ["headerName", "headerPrefix"] where settings.value(of: field) != nil {
                problems.append(FieldProblem(ConnectionField(rawValue: field), .conflictsWith("queryParameter")))
            }
            return problems
        }
        let name = settings.headerName ?? APIKeyPlacement.defaultHeader
        if let problem = APIKeyPlacement.problem(headerName: name) {
            problems.append(FieldProblem("headerName", .invalidValue(problem)))
        }
        settings.headerName = name
        if settings.headerPrefix == nil {
            settings.headerPrefix = ASCII.equalsIgnoringCase(name, APIKeyPlacement.defaultHeader) ? "Bearer " : ""
        }
        if let prefix = settings.headerPrefix,
            prefix.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        {
            problems.append(FieldProblem("headerPrefix", .invalidValue("must not contain control characters")))
        }
        return problems
    }
}

extension InvalidURLError {
    /// The reason alone, for messages that already name the field.
    var reason: String { description }
}
