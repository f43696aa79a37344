import Foundation
import OAuthCore
import Vault

/// "+ Add New" from an APICall's OAuth dropdown: the connection is created at once, but the
/// component is pointed at it only after its login succeeds, so an abandoned login leaves
/// the agent as it was. This remembers, in the store (`LoginStore`), which component of which
/// team's agent waits for which connection, so the selection is made whichever node (or
/// restarted process) the provider sends the browser back to.
struct AddNewSelections: Sendable {
    struct Target: Sendable {
        /// The team of the user who asked: the selection is made in this team's agent only.
        let team: String
        let agent: String
        let component: String
        /// Recorded as who changed the agent.
        let changedBy: String
    }

    let library: AgentLibrary
    let store: any LoginStore
    /// Logins that are abandoned never come back; their entries are dropped after a day.
    static let forgetAfter: TimeInterval = 24 * 3600

    func remember(_ connectionID: String, for target: Target, now: Date = Date()) async throws {
        _ = try await store.purgeAddNewTargets(createdBefore: now.timeIntervalSince1970 - Self.forgetAfter)
        try await store.putAddNewTarget(
            StoredAddNewTarget(
                connectionID: connectionID, team: target.team, agent: target.agent,
                component: target.component, changedBy: target.changedBy,
                createdAt: now.timeIntervalSince1970))
    }

    /// Where the browser goes once a connection's login has finished: back to the agent
    /// that asked for it (now selecting it), else to the Vault.
    func landing(after connection: Connection) async -> String {
        let notice = "“\(connection.name)” is \(connection.status.rawValue)"
        guard let target = try? await store.takeAddNewTarget(connectionID: connection.id, team: connection.team) else {
            return "/vault?notice=" + PercentEncoding.encode(notice)
        }
        let page = "/agents/" + PercentEncoding.encode(target.agent)
        guard connection.status == .ready else { return page + "?notice=" + PercentEncoding.encode(notice) }
        do {
            try await library.selectConnection(
                agent: target.agent, component: target.component, choice: connection.id,
                team: target.team, by: target.changedBy)
        } catch {
            let reason = (error as? APIError)?.message ?? String(describing: error)
            return page + "?notice=" + PercentEncoding.encode("\(notice), but the agent was not saved: \(reason)")
        }
        return page + "?notice=" + PercentEncoding.encode("\(notice) and selected in \(target.component)")
    }
}
