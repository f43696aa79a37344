import Runtime
import Vault

/// The badge an APICall carries in the graph: what its OAuth section points at, in the words
/// of the builder's dropdown. A connection's name is read from the viewing team's vault only,
/// so another team's connection (or a stale id) shows as not in the vault, never by its name.
struct OAuthBadge: Equatable {
    /// Which kind of section; the raw value is the CSS class suffix.
    enum Kind: String {
        case vault
        case legacy
        case addNew = "add-new"
        case missing
        case invalid
    }

    var kind: Kind
    /// The words on the badge.
    var text: String

    /// The badge of each APICall that has an OAuth section, by component id.
    static func badges(of agent: Agent, vault: Vault) async throws -> [String: OAuthBadge] {
        var sections: [(String, OAuthSection)] = []
        for component in agent.components where component.type == "APICall" {
            sections.append((component.id, OAuthSection(data: component.data, catalog: vault.catalog)))
        }
        // The team's connections are read once, and only when a section names one.
        var names: [String: String] = [:]
        if sections.contains(where: { if case .vault = $0.1 { true } else { false } }) {
            for connection in try await vault.list() { names[connection.id] = connection.name }
        }
        var badges: [String: OAuthBadge] = [:]
        for (id, section) in sections {
            switch section {
            case .none: continue
            case .vault(let connection):
                badges[id] =
                    names[connection].map { OAuthBadge(kind: .vault, text: $0) }
                    ?? OAuthBadge(kind: .missing, text: "not in vault")
            case .legacy: badges[id] = OAuthBadge(kind: .legacy, text: "Legacy")
            case .addNew: badges[id] = OAuthBadge(kind: .addNew, text: "Add New")
            case .invalid: badges[id] = OAuthBadge(kind: .invalid, text: "invalid OAuth")
            }
        }
        return badges
    }
}
