import Foundation
import GRDB

/// The teams' model routes (`ModelStore`, part of `VaultStore`) in the vault's SQLite file.
/// SQLite has one writer at a time, so the connection checks below, made in the write's
/// transaction, cannot race a delete.
extension SQLiteVaultStore {
    /// Migration "v8: model routes". Plain SQL that PostgreSQL also accepts.
    static func createModelRouteTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE model_routes (
                    team TEXT NOT NULL,
                    name TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    base_url TEXT NOT NULL,
                    connection_id TEXT,
                    upstream_model TEXT,
                    created_at DOUBLE PRECISION NOT NULL,
                    updated_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (team, name)
                );
                CREATE INDEX model_routes_connection ON model_routes(team, connection_id);
                """)
    }

    /// The team's routes, by name.
    public func modelRoutes(team: String) async throws(VaultError) -> [ModelRoute] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM model_routes WHERE team = ? ORDER BY name", arguments: [team])
                .map(Self.modelRoute)
        }
    }

    /// The team's route `name`, if any.
    public func modelRoute(team: String, name: String) async throws(VaultError) -> ModelRoute? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM model_routes WHERE team = ? AND name = ?", arguments: [team, name]
            ).map(Self.modelRoute)
        }
    }

    /// Adds or replaces the route, if its connection (when it names one) is the team's.
    public func putModelRoute(_ route: ModelRoute) async throws(VaultError) -> ModelRoute? {
        try await write { db in
            if let connection = route.connection {
                let exists = try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM connections WHERE id = ? AND team = ?)",
                    arguments: [connection, route.team])
                guard exists == true else { return nil }
            }
            try db.execute(
                sql: """
                    INSERT INTO model_routes (team, name, provider, base_url, connection_id, upstream_model, created_at,
                        updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (team, name) DO UPDATE SET provider = excluded.provider, base_url = excluded.base_url,
                        connection_id = excluded.connection_id, upstream_model = excluded.upstream_model,
                        updated_at = excluded.updated_at
                    """,
                arguments: [
                    route.team, route.name, route.provider.rawValue, route.baseURL, route.connection,
                    route.upstreamModel, route.createdAt.timeIntervalSince1970, route.updatedAt.timeIntervalSince1970,
                ])
            return try Row.fetchOne(
                db, sql: "SELECT * FROM model_routes WHERE team = ? AND name = ?", arguments: [route.team, route.name]
            ).map(Self.modelRoute)
        }
    }

    /// Deletes the team's route `name`; false when there was none.
    public func deleteModelRoute(team: String, name: String) async throws(VaultError) -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM model_routes WHERE team = ? AND name = ?", arguments: [team, name])
            return db.changesCount == 1
        }
    }

    /// The names of the team's routes that send connection `id`'s credential: inside the
    /// transaction that would delete it.
    static func modelRoutes(using id: String, team: String, _ db: Database) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT name FROM model_routes WHERE team = ? AND connection_id = ? ORDER BY name",
            arguments: [team, id])
    }

    static func modelRoute(_ row: Row) throws -> ModelRoute {
        let team: String = row["team"]
        let name: String = row["name"]
        let providerName: String = row["provider"]
        guard let provider = LLMProvider(rawValue: providerName) else {
            throw VaultError.storage("the model route \(name) of team \(team) has unknown provider \(providerName)")
        }
        return ModelRoute(
            team: team, name: name, provider: provider, baseURL: row["base_url"], connection: row["connection_id"],
            upstreamModel: row["upstream_model"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }
}
