/// A name that matches more than one thing: the Vault says which candidates there are, and
/// each layer says how to choose in its own words (the CLI names its flag).
public enum Ambiguity: Sendable, Equatable {
    /// A SmythOS vault file holds several teams and none is this vault's team.
    case vaultFileTeams([String])
    /// Several users (in these teams) share a name.
    case userName(String, teams: [String])

    /// What matched, in the Vault's words; `choose` says how to pick one.
    public func sentence(choose: String) -> String {
        switch self {
        case .vaultFileTeams(let teams):
            return "the vault file has teams \(teams.joined(separator: ", ")); \(choose)"
        case .userName(let name, let teams):
            return "\(teams.count) users are called \(name) (teams \(teams.joined(separator: ", "))); \(choose)"
        }
    }

    /// How to pick one, said without naming any interface.
    public var plainChoice: String {
        switch self {
        case .vaultFileTeams: return "name the team to import"
        case .userName: return "name the team or use the user's id"
        }
    }
}
