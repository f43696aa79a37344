import Foundation

/// Where the teams' model routes live (`model_routes`): one per team and name. Every method
/// names the team, so no query reaches another team's routes. A route that names a connection
/// is written only while the team has that connection, and a connection that routes name is
/// not deleted (`ConnectionStore.delete` throws `VaultError.connectionInUse`): both are checked
/// in the transaction of the write, so a route never points at a connection removed meanwhile.
/// Implementations throw `VaultError.storage` when the database fails.
public protocol ModelStore: Sendable {
    /// The team's routes, by name.
    func modelRoutes(team: String) async throws(VaultError) -> [ModelRoute]

    /// The team's route of this name, nil when there is none.
    func modelRoute(team: String, name: String) async throws(VaultError) -> ModelRoute?

    /// Adds the route, or replaces the team's route of that name keeping its `createdAt`, and
    /// returns it as stored; nil (nothing written) when it names a connection the team does not have.
    func putModelRoute(_ route: ModelRoute) async throws(VaultError) -> ModelRoute?

    /// Deletes the team's route of this name; false when there was none.
    func deleteModelRoute(team: String, name: String) async throws(VaultError) -> Bool
}
