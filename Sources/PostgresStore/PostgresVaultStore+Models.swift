import Foundation
import PostgresNIO
import Vault

/// The teams' model routes. A route's connection is checked under `FOR KEY SHARE` on the
/// connection's row, which a delete (`FOR UPDATE`, then its own check of the routes) waits
/// for: whichever commits first, the other sees it.
extension PostgresVaultStore {
    /// The team's routes, by name.
    public func modelRoutes(team: String) async throws(VaultError) -> [ModelRoute] {
        try await rows("SELECT * FROM model_routes WHERE team = \(team) ORDER BY name", Self.modelRoute)
    }

    /// The team's route `name`, if any.
    public func modelRoute(team: String, name: String) async throws(VaultError) -> ModelRoute? {
        try await rows("SELECT * FROM model_routes WHERE team = \(team) AND name = \(name)", Self.modelRoute).first
    }

    /// Adds or replaces the route, if its connection (when it names one) is the team's.
    public func putModelRoute(_ route: ModelRoute) async throws(VaultError) -> ModelRoute? {
        try await transaction { db -> ModelRoute? in
            if let connection = route.connection {
                let locked = try await self.execute(
                    "SELECT 1 FROM connections WHERE id = \(connection) AND team = \(route.team) FOR KEY SHARE", on: db)
                guard locked == 1 else { return nil }
            }
            let created = route.createdAt.timeIntervalSince1970
            let updated = route.updatedAt.timeIntervalSince1970
            return try await self.rows(
                """
                INSERT INTO model_routes (team, name, provider, base_url, connection_id, upstream_model, created_at,
                    updated_at)
                VALUES (\(route.team), \(route.name), \(route.provider.rawValue), \(route.baseURL), \(route.connection),
                    \(route.upstreamModel), \(created), \(updated))
                ON CONFLICT (team, name) DO UPDATE SET provider = excluded.provider, base_url = excluded.base_url,
                    connection_id = excluded.connection_id, upstream_model = excluded.upstream_model,
                    updated_at = excluded.updated_at
                RETURNING *
                """, on: db
            ).first.map(Self.modelRoute)
        }
    }

    /// Deletes the team's route `name`; false when there was none.
    public func deleteModelRoute(team: String, name: String) async throws(VaultError) -> Bool {
        try await execute("DELETE FROM model_routes WHERE team = \(team) AND name = \(name) RETURNING 1") == 1
    }

    /// The names of the team's routes that send connection `id`'s credential, in the
    /// transaction that would delete it.
    func modelRoutes(using id: String, team: String, on db: PostgresConnection) async throws -> [String] {
        try await rows(
            "SELECT name FROM model_routes WHERE team = \(team) AND connection_id = \(id) ORDER BY name", on: db
        ).map { try $0["name"].decode(String.self) }
    }

    static func modelRoute(_ row: PostgresRandomAccessRow) throws -> ModelRoute {
        let team = try row["team"].decode(String.self)
        let name = try row["name"].decode(String.self)
        let providerName = try row["provider"].decode(String.self)
        guard let provider = LLMProvider(rawValue: providerName) else {
            throw VaultError.storage("the model route \(name) of team \(team) has unknown provider \(providerName)")
        }
        return ModelRoute(
            team: team, name: name, provider: provider, baseURL: try row["base_url"].decode(String.self),
            connection: try row["connection_id"].decode(String?.self),
            upstreamModel: try row["upstream_model"].decode(String?.self),
            createdAt: Date(timeIntervalSince1970: try row["created_at"].decode(Double.self)),
            updatedAt: Date(timeIntervalSince1970: try row["updated_at"].decode(Double.self)))
    }
}
