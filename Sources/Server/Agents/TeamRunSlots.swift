/// How many runs each team has in progress on this server, so that one team cannot take
/// every worker (and every outbound connection) of a server shared by several teams.
actor TeamRunSlots {
    private var running: [String: Int] = [:]

    /// Takes a slot for `team` when it has fewer than `limit` runs in progress.
    func acquire(team: String, limit: Int) -> Bool {
        let current = running[team, default: 0]
        guard current < limit else { return false }
        running[team] = current + 1
        return true
    }

    /// Gives back a slot taken by `acquire`.
    func release(team: String) {
        let remaining = running[team, default: 1] - 1
        running[team] = remaining > 0 ? remaining : nil
    }

    /// The runs `team` has in progress.
    func count(team: String) -> Int { running[team, default: 0] }
}
