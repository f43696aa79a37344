import ArgumentParser
import OAuthCore

/// `keyflow vault providers`: the seven kinds, their fields and prefilled URLs.
struct VaultProvidersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers", abstract: "List the connection kinds and what each needs.")

    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let catalog = try VaultSession.run { try ProviderCatalog.builtIn() }
        func flags(_ ids: [String]) -> [String] { ids.map { "--" + (catalog.field(id: $0)?.flag ?? $0) } }
        if json {
            print(
                JSONOutput.array(
                    catalog.kinds.map { kind in
                        .object([
                            ("id", .string(kind.id)), ("name", .string(kind.displayName)),
                            ("protocol", .string(kind.protocol.rawValue)),
                            ("grant_type", .string(kind.grantType.rawValue)),
                            ("required", .array(flags(kind.requiredFields).map(JSONOutput.string))),
                            ("optional", .array(flags(kind.optionalFields).map(JSONOutput.string))),
                            (
                                "urls",
                                .object(
                                    [
                                        ("authorization", kind.urls.authorization), ("token", kind.urls.token),
                                        ("revocation", kind.urls.revocation), ("request_token", kind.urls.requestToken),
                                        ("user_authorization", kind.urls.userAuthorization),
                                        ("access_token", kind.urls.accessToken),
                                    ]
                                    .compactMap { name, value in value.map { (name, JSONOutput.string($0)) } })
                            ),
                            ("default_scopes", .array(kind.defaultScopes.map(JSONOutput.string))),
                            ("pkce", .string(kind.pkce.rawValue)),
                            ("allowed_hosts", .array(kind.allowedHosts.map(JSONOutput.string))),
                            ("legacy_service_names", .array(kind.legacyServiceNames.map(JSONOutput.string))),
                        ])
                    }))
            return
        }
        for kind in catalog.kinds {
            print(
                "\(kind.id) — \(kind.displayName) (\(kind.protocolName), \(kind.grantType.rawValue))"
            )
            print("  needs:    \(flags(kind.requiredFields).joined(separator: " "))")
            if !kind.optionalFields.isEmpty {
                print("  optional: \(flags(kind.optionalFields).joined(separator: " "))")
            }
            for (label, url) in [
                ("authorize", kind.urls.authorization), ("token", kind.urls.token), ("request", kind.urls.requestToken),
                ("user auth", kind.urls.userAuthorization), ("access", kind.urls.accessToken),
                ("revoke", kind.urls.revocation),
            ] {
                if let url { print("  \(label.padding(toLength: 9, withPad: " ", startingAt: 0)) \(url)") }
            }
            if !kind.defaultScopes.isEmpty {
                print("  scopes:   \(kind.defaultScopes.joined(separator: " ")) (default)")
            }
            if kind.pkce != .unsupported { print("  PKCE:     \(kind.pkce.rawValue)") }
            if !kind.allowedHosts.isEmpty { print("  hosts:    \(kind.allowedHosts.joined(separator: ", "))") }
            print("")
        }
    }
}
