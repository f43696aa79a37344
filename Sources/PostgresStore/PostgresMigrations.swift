import Foundation
import PostgresNIO
import Vault

/// The PostgreSQL schema, in numbered steps recorded in `keyflow_migrations`. The tables and
/// columns are the SQLite store's (so `keyflow db copy` moves rows as they are), with BYTEA
/// for sealed bytes. Each step runs in its own transaction, under an advisory lock, so
/// several nodes starting at once apply it exactly once.
public enum PostgresMigrations {
    /// One step: its number, its name, its SQL.
    public struct Step: Sendable {
        /// Applied in increasing order.
        public let version: Int
        /// What it does, as `keyflow db status` shows it.
        public let name: String
        let sql: [String]
    }

    /// Every step, oldest first. Steps are only ever added: a database records the ones it has.
    public static let steps: [Step] = [
        Step(
            version: 1, name: "connections and vault keys",
            sql: [
                """
                CREATE TABLE connections (
                    id TEXT NOT NULL PRIMARY KEY,
                    team TEXT NOT NULL,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    settings BYTEA NOT NULL,
                    key_id TEXT NOT NULL,
                    wrapped_key BYTEA NOT NULL,
                    secrets BYTEA,
                    tokens BYTEA,
                    status TEXT NOT NULL,
                    status_reason TEXT,
                    token_expires_at DOUBLE PRECISION,
                    version BIGINT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    updated_at DOUBLE PRECISION NOT NULL,
                    legacy_agent_id TEXT,
                    legacy_component_id TEXT,
                    lease_owner TEXT,
                    lease_until DOUBLE PRECISION
                )
                """,
                "CREATE INDEX connections_team ON connections(team, name)",
                """
                CREATE UNIQUE INDEX connections_legacy ON connections(team, legacy_agent_id, legacy_component_id)
                    WHERE legacy_agent_id IS NOT NULL
                """,
                """
                CREATE TABLE vault_keys (
                    team TEXT NOT NULL,
                    name TEXT NOT NULL,
                    key_id TEXT NOT NULL,
                    wrapped_key BYTEA NOT NULL,
                    value BYTEA NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    updated_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (team, name)
                )
                """,
            ]),
        Step(
            version: 2, name: "users and web sessions",
            sql: [
                """
                CREATE TABLE users (
                    id TEXT NOT NULL PRIMARY KEY,
                    name TEXT NOT NULL,
                    team TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE,
                    created_at DOUBLE PRECISION NOT NULL
                )
                """,
                """
                CREATE TABLE web_sessions (
                    id_hash TEXT NOT NULL PRIMARY KEY,
                    user_id TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    expires_at DOUBLE PRECISION NOT NULL
                )
                """,
                "CREATE INDEX web_sessions_user ON web_sessions(user_id)",
                "CREATE INDEX web_sessions_expiry ON web_sessions(expires_at)",
            ]),
        Step(
            version: 3, name: "agents and their revisions",
            sql: [
                """
                CREATE TABLE agents (
                    team TEXT NOT NULL,
                    name TEXT NOT NULL,
                    body BYTEA NOT NULL,
                    version BIGINT NOT NULL,
                    changed_by TEXT NOT NULL,
                    changed_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (team, name)
                )
                """,
                """
                CREATE TABLE agent_revisions (
                    team TEXT NOT NULL,
                    name TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    body BYTEA NOT NULL,
                    changed_by TEXT NOT NULL,
                    changed_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (team, name, version)
                )
                """,
            ]),
        Step(
            version: 4, name: "logins in progress and Add New targets",
            sql: [
                """
                CREATE TABLE pending_logins (
                    key_hash TEXT NOT NULL PRIMARY KEY,
                    team TEXT NOT NULL,
                    connection_id TEXT NOT NULL,
                    connection_version BIGINT NOT NULL,
                    binding TEXT NOT NULL,
                    flow BYTEA NOT NULL,
                    started_at DOUBLE PRECISION NOT NULL,
                    expires_at DOUBLE PRECISION NOT NULL
                )
                """,
                "CREATE INDEX pending_logins_team ON pending_logins(team)",
                """
                CREATE TABLE add_new_targets (
                    connection_id TEXT NOT NULL PRIMARY KEY,
                    team TEXT NOT NULL,
                    agent TEXT NOT NULL,
                    component TEXT NOT NULL,
                    changed_by TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL
                )
                """,
            ]),
        Step(
            version: 5, name: "serve nodes",
            sql: [
                """
                CREATE TABLE serve_nodes (
                    id TEXT NOT NULL PRIMARY KEY,
                    host TEXT NOT NULL,
                    pid BIGINT NOT NULL,
                    started_at DOUBLE PRECISION NOT NULL,
                    seen_at DOUBLE PRECISION NOT NULL
                )
                """
            ]),
        Step(
            version: 6, name: "runs",
            sql: [
                """
                CREATE TABLE runs (
                    id TEXT NOT NULL PRIMARY KEY,
                    team TEXT NOT NULL,
                    agent TEXT NOT NULL,
                    agent_version BIGINT NOT NULL,
                    started_by TEXT NOT NULL,
                    status TEXT NOT NULL,
                    failure TEXT,
                    reason TEXT,
                    key_id TEXT NOT NULL,
                    wrapped_key BYTEA NOT NULL,
                    request BYTEA NOT NULL,
                    result BYTEA,
                    attempts BIGINT NOT NULL,
                    worker TEXT,
                    claim TEXT,
                    lease_until DOUBLE PRECISION,
                    unsafe_request TEXT,
                    cancel_requested BIGINT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    started_at DOUBLE PRECISION,
                    finished_at DOUBLE PRECISION
                )
                """,
                // The queue is read oldest first; only queued rows are in this index.
                "CREATE INDEX runs_queued ON runs(created_at, id) WHERE status = 'queued'",
                "CREATE INDEX runs_team ON runs(team, status, created_at)",
                "CREATE INDEX runs_claim ON runs(claim)",
                // A claim in one round trip (see PostgresVaultStore+Runs.swift). In a volatile
                // PL/pgSQL function each statement takes a new snapshot, so the count after the
                // team's lock sees every claim committed before it.
                """
                CREATE FUNCTION keyflow_claim_run(
                    p_worker TEXT, p_claim TEXT, p_now DOUBLE PRECISION, p_lease_until DOUBLE PRECISION,
                    p_limit BIGINT
                ) RETURNS SETOF runs LANGUAGE plpgsql VOLATILE AS $$
                DECLARE
                    candidate RECORD;
                    full_teams TEXT[] := '{}';
                    running BIGINT;
                BEGIN
                    FOR attempt IN 1..8 LOOP
                        SELECT id, team INTO candidate FROM runs AS queued
                        WHERE status = 'queued' AND NOT (team = ANY(full_teams))
                          AND (SELECT count(*) FROM runs AS busy
                               WHERE busy.team = queued.team AND busy.status = 'running') < p_limit
                        ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED;
                        IF NOT FOUND THEN RETURN; END IF;
                        PERFORM pg_advisory_xact_lock(hashtextextended('keyflow-runs:' || candidate.team, 0));
                        SELECT count(*) INTO running FROM runs WHERE team = candidate.team AND status = 'running';
                        IF running < p_limit THEN
                            RETURN QUERY UPDATE runs SET status = 'running', attempts = attempts + 1,
                                worker = p_worker, claim = p_claim, lease_until = p_lease_until,
                                started_at = p_now, unsafe_request = NULL
                            WHERE id = candidate.id RETURNING *;
                            RETURN;
                        END IF;
                        full_teams := full_teams || candidate.team;
                    END LOOP;
                END
                $$
                """,
            ]),
        Step(
            version: 7, name: "model routes",
            sql: [
                """
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
                )
                """,
                "CREATE INDEX model_routes_connection ON model_routes(team, connection_id)",
            ]),
        Step(
            version: 8, name: "llm conversations",
            sql: [
                """
                CREATE TABLE llm_conversations (
                    team TEXT NOT NULL,
                    agent TEXT NOT NULL,
                    conversation_key TEXT NOT NULL,
                    key_id TEXT NOT NULL,
                    wrapped_key BYTEA NOT NULL,
                    messages BYTEA NOT NULL,
                    expires_at DOUBLE PRECISION,
                    updated_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (team, agent, conversation_key)
                )
                """,
                "CREATE INDEX llm_conversations_expiry ON llm_conversations(expires_at) WHERE expires_at IS NOT NULL",
            ]),
        Step(version: 9, name: "connection health and the status outbox", sql: SQLiteVaultStore.healthTablesSQL),
        Step(
            version: 10, name: "audit trail",
            sql: [
                """
                CREATE TABLE audit_records (
                    team TEXT NOT NULL,
                    seq BIGINT NOT NULL,
                    at DOUBLE PRECISION NOT NULL,
                    action TEXT NOT NULL,
                    actor TEXT,
                    agent TEXT,
                    component TEXT,
                    run_id TEXT,
                    connection_id TEXT,
                    connection_name TEXT,
                    method TEXT,
                    origin TEXT,
                    path TEXT,
                    status BIGINT,
                    succeeded BIGINT NOT NULL,
                    detail TEXT,
                    mac BYTEA NOT NULL,
                    PRIMARY KEY (team, seq)
                )
                """,
                "CREATE INDEX audit_records_connection ON audit_records(team, connection_id, seq)",
                """
                CREATE TABLE audit_heads (
                    team TEXT NOT NULL PRIMARY KEY,
                    seq BIGINT NOT NULL,
                    mac BYTEA NOT NULL,
                    key_id TEXT NOT NULL,
                    signature BYTEA NOT NULL,
                    checkpoint_seq BIGINT,
                    checkpoint_mac BYTEA,
                    checkpoint_before DOUBLE PRECISION,
                    checkpoint_signature BYTEA
                )
                """,
            ]),
    ]

    /// The key of the advisory lock that serializes migrations (any constant; "kfmg").
    static let lockKey: Int64 = 0x6B66_6D67

    /// The versions the database has applied; empty for an empty database. Reads only.
    public static func applied(on store: PostgresVaultStore) async throws(VaultError) -> [Int] {
        try await store.withConnection { connection in try await appliedVersions(on: connection, store: store) }
    }

    static func appliedVersions(on connection: PostgresConnection, store: PostgresVaultStore) async throws -> [Int] {
        let exists = try await store.rows(
            "SELECT to_regclass('keyflow_migrations') IS NOT NULL AS present", on: connection
        ).first.map { try $0["present"].decode(Bool.self) }
        guard exists == true else { return [] }
        return try await store.rows("SELECT version FROM keyflow_migrations ORDER BY version", on: connection)
            .map { try $0["version"].decode(Int.self) }
    }

    /// Applies the steps the database lacks; returns their versions. Refuses a database that
    /// has steps this Keyflow does not know (written by a newer version).
    @discardableResult
    public static func apply(on store: PostgresVaultStore) async throws(VaultError) -> [Int] {
        // Under the lock: two nodes creating the table at once would collide.
        let known = try await store.transaction { connection in
            try await store.execute("SELECT pg_advisory_xact_lock(\(lockKey))", on: connection)
            try await store.execute(Self.createTable, on: connection)
            return try await appliedVersions(on: connection, store: store)
        }
        var done = Set(known)
        if let newest = done.max(), newest > (steps.last?.version ?? 0) {
            throw .storage(
                "the database has schema version \(newest); this Keyflow knows up to \(steps.last?.version ?? 0): upgrade Keyflow"
            )
        }
        var applied: [Int] = []
        for step in steps where !done.contains(step.version) {
            let ran = try await store.transaction { connection -> Bool in
                try await store.execute("SELECT pg_advisory_xact_lock(\(lockKey))", on: connection)
                // Another node may have applied it while this one waited for the lock.
                let present = try await store.execute(
                    "SELECT 1 FROM keyflow_migrations WHERE version = \(step.version)", on: connection)
                guard present == 0 else { return false }
                for statement in step.sql {
                    try await store.execute(PostgresQuery(unsafeSQL: statement), on: connection)
                }
                let now = Date().timeIntervalSince1970
                try await store.execute(
                    "INSERT INTO keyflow_migrations (version, name, applied_at) VALUES (\(step.version), \(step.name), \(now))",
                    on: connection)
                return true
            }
            done.insert(step.version)
            if ran { applied.append(step.version) }
        }
        return applied
    }

    static let createTable: PostgresQuery = """
        CREATE TABLE IF NOT EXISTS keyflow_migrations (
            version INTEGER NOT NULL PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at DOUBLE PRECISION NOT NULL
        )
        """
}
