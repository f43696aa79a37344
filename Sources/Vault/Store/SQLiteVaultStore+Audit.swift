import Foundation
import GRDB

/// The teams' audit trails (`AuditStore`, part of `VaultStore`) in the vault's SQLite file.
/// SQLite has one writer at a time: an append's write transaction is the lock on the team's
/// chain head, across processes sharing the file too.
extension SQLiteVaultStore {
    /// Migration "v10: audit trail". `PostgresMigrations` has the same tables with BYTEA and BIGINT.
    static func createAuditTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE audit_records (
                    team TEXT NOT NULL,
                    seq INTEGER NOT NULL,
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
                    status INTEGER,
                    succeeded INTEGER NOT NULL,
                    detail TEXT,
                    mac BLOB NOT NULL,
                    PRIMARY KEY (team, seq)
                );
                CREATE INDEX audit_records_connection ON audit_records(team, connection_id, seq);
                CREATE TABLE audit_heads (
                    team TEXT NOT NULL PRIMARY KEY,
                    seq INTEGER NOT NULL,
                    mac BLOB NOT NULL,
                    key_id TEXT NOT NULL,
                    signature BLOB NOT NULL,
                    checkpoint_seq INTEGER,
                    checkpoint_mac BLOB,
                    checkpoint_before DOUBLE PRECISION,
                    checkpoint_signature BLOB
                );
                """)
    }

    /// Appends the events to their teams' chains in one write transaction.
    @discardableResult
    public func appendAudit(_ events: [VaultEvent], chain: AuditChain) async throws(VaultError) -> [AuditRecord] {
        guard !events.isEmpty else { return [] }
        return try await write { db in try Self.append(events, chain: chain, db) }
    }

    /// The query's records, newest first.
    public func auditRecords(_ query: AuditQuery) async throws(VaultError) -> [AuditRecord] {
        try await read { db in
            var sql = "SELECT * FROM audit_records WHERE team = ?"
            var arguments: StatementArguments = [query.team]
            if let connection = query.connection {
                sql += " AND connection_id = ?"
                _ = arguments.append(contentsOf: [connection])
            }
            if let since = query.since {
                sql += " AND at >= ?"
                _ = arguments.append(contentsOf: [since])
            }
            if let before = query.before {
                sql += " AND seq < ?"
                _ = arguments.append(contentsOf: [before])
            }
            sql += " ORDER BY seq DESC LIMIT \(query.boundedLimit)"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.auditRecord)
        }
    }

    /// The team's records after `sequence`, oldest first.
    public func auditRecords(team: String, after sequence: Int64, limit: Int) async throws(VaultError)
        -> [AuditRecord]
    {
        try await read { db in try Self.records(team: team, after: sequence, limit: limit, db) }
    }

    /// The team's head row.
    public func auditHead(team: String) async throws(VaultError) -> AuditChainState? {
        try await read { db in try Self.head(team: team, db) }
    }

    /// The teams with an audit chain.
    public func auditTeams() async throws(VaultError) -> [String] {
        try await read { db in
            try String.fetchAll(
                db, sql: "SELECT team FROM audit_heads UNION SELECT DISTINCT team FROM audit_records ORDER BY team")
        }
    }

    /// Deletes the team's records older than `time` after verifying them; leaves a checkpoint.
    public func pruneAudit(team: String, before time: Double, chain: AuditChain) async throws(VaultError)
        -> AuditPruned
    {
        try await write { db in
            guard let head = try Self.head(team: team, db) else {
                return AuditPruned(team: team, deleted: 0, checkpoint: nil)
            }
            guard head.keyID == chain.keyID else { throw AuditStoreSupport.otherKey(head, chain) }
            let firstKept = try Int64.fetchOne(
                db, sql: "SELECT MIN(seq) FROM audit_records WHERE team = ? AND at >= ?", arguments: [team, time])
            let last = (firstKept ?? (head.sequence + 1)) - 1
            let start = head.checkpoint?.sequence ?? 0
            guard last > start else { return AuditPruned(team: team, deleted: 0, checkpoint: head.checkpoint) }
            // What is deleted must verify first: a checkpoint must never vouch for an edited record.
            var check = AuditChainCheck(team: team, state: head, chain: chain)
            var lastMAC = head.checkpoint?.mac ?? Data()
            var after = start
            while after < last {
                let page = try Self.records(team: team, after: after, limit: 500, db).filter { $0.sequence <= last }
                guard let end = page.last else { break }
                check.check(page)
                if let problem = check.problem { throw AuditStoreSupport.pruneRefusal(problem) }
                lastMAC = end.mac
                after = end.sequence
            }
            if after != last {
                throw AuditStoreSupport.pruneRefusal(
                    AuditProblem(
                        .gap, team: team, sequence: after + 1, detail: "record \(after + 1) is missing (deleted)"))
            }
            let checkpoint = chain.checkpoint(team: team, sequence: last, mac: lastMAC, before: time)
            try db.execute(sql: "DELETE FROM audit_records WHERE team = ? AND seq <= ?", arguments: [team, last])
            let deleted = db.changesCount
            try db.execute(
                sql: """
                    UPDATE audit_heads SET checkpoint_seq = ?, checkpoint_mac = ?, checkpoint_before = ?,
                        checkpoint_signature = ? WHERE team = ?
                    """,
                arguments: [checkpoint.sequence, checkpoint.mac, checkpoint.before, checkpoint.signature, team])
            return AuditPruned(team: team, deleted: deleted, checkpoint: checkpoint)
        }
    }

    /// Re-wraps every data key and re-signs every audit chain in one write transaction.
    public func rewrapAll(
        _ rewrap: @escaping @Sendable (String, String, Data) throws -> (Data, String), resigning: AuditResigning
    ) async throws(VaultError) {
        try await write { db in
            try Self.rewrapRows(db, rewrap)
            let teams = try String.fetchAll(
                db, sql: "SELECT team FROM audit_heads UNION SELECT DISTINCT team FROM audit_records ORDER BY team")
            for team in teams { try Self.resign(team: team, resigning, db) }
        }
    }

    // MARK: - Inside a transaction

    static func append(_ events: [VaultEvent], chain: AuditChain, _ db: Database) throws -> [AuditRecord] {
        var written: [AuditRecord] = []
        for (team, batch) in AuditStoreSupport.byTeam(events) {
            let head = try Self.head(team: team, db) ?? chain.emptyHead(team: team)
            guard head.keyID == chain.keyID else { throw AuditStoreSupport.otherKey(head, chain) }
            let (records, newHead) = chain.extend(head, with: batch)
            for record in records { try insert(record, db) }
            try putHead(newHead, db)
            written += records
        }
        return written
    }

    /// Verifies the team's chain under the old key, then signs it again under the new one.
    static func resign(team: String, _ resigning: AuditResigning, _ db: Database) throws {
        let head = try Self.head(team: team, db)
        var check = AuditChainCheck(team: team, state: head, chain: resigning.old)
        var resigner = AuditResigner(team: team, checkpoint: head?.checkpoint, chain: resigning.new)
        var after = head?.checkpoint?.sequence ?? 0
        while true {
            let page = try records(team: team, after: after, limit: 500, db)
            guard let end = page.last else { break }
            check.check(page)
            if let problem = check.problem, !resigning.resignBroken { throw resigning.refusal(problem) }
            for record in page {
                let mac = resigner.sign(record)
                try db.execute(
                    sql: "UPDATE audit_records SET mac = ? WHERE team = ? AND seq = ?",
                    arguments: [mac, team, record.sequence])
            }
            after = end.sequence
        }
        let problem = check.finish(head: head)
        if let problem, !resigning.resignBroken { throw resigning.refusal(problem) }
        try putHead(resigner.head, db)
        _ = try append([resigning.rotationEvent(team: team, problem: problem)], chain: resigning.new, db)
    }

    static func records(team: String, after sequence: Int64, limit: Int, _ db: Database) throws -> [AuditRecord] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM audit_records WHERE team = ? AND seq > ? ORDER BY seq LIMIT ?",
            arguments: [team, sequence, min(max(limit, 1), 10_000)]
        ).map(auditRecord)
    }

    static func head(team: String, _ db: Database) throws -> AuditChainState? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM audit_heads WHERE team = ?"), arguments: [team]).map {
            row in
            var checkpoint: AuditCheckpoint?
            if let sequence: Int64 = row["checkpoint_seq"], let mac: Data = row["checkpoint_mac"],
                let before: Double = row["checkpoint_before"], let signature: Data = row["checkpoint_signature"]
            {
                checkpoint = AuditCheckpoint(sequence: sequence, mac: mac, before: before, signature: signature)
            }
            return AuditChainState(
                team: row["team"], sequence: row["seq"], mac: row["mac"], keyID: row["key_id"],
                signature: row["signature"], checkpoint: checkpoint)
        }
    }

    static func putHead(_ head: AuditChainState, _ db: Database) throws {
        // Cached statements: every batch of credential uses runs these, and preparing the SQL
        // each time showed in the e2e profile.
        try db.cachedStatement(
            sql: """
                INSERT INTO audit_heads (team, seq, mac, key_id, signature, checkpoint_seq, checkpoint_mac,
                    checkpoint_before, checkpoint_signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (team) DO UPDATE SET seq = excluded.seq, mac = excluded.mac, key_id = excluded.key_id,
                    signature = excluded.signature, checkpoint_seq = excluded.checkpoint_seq,
                    checkpoint_mac = excluded.checkpoint_mac, checkpoint_before = excluded.checkpoint_before,
                    checkpoint_signature = excluded.checkpoint_signature
                """
        ).execute(
            arguments: [
                head.team, head.sequence, head.mac, head.keyID, head.signature, head.checkpoint?.sequence,
                head.checkpoint?.mac, head.checkpoint?.before, head.checkpoint?.signature,
            ])
    }

    static func insert(_ record: AuditRecord, _ db: Database) throws {
        let event = record.event
        try db.cachedStatement(
            sql: """
                INSERT INTO audit_records (team, seq, at, action, actor, agent, component, run_id, connection_id,
                    connection_name, method, origin, path, status, succeeded, detail, mac)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                event.team, record.sequence, event.at, event.action.rawValue, event.attribution.actor,
                event.attribution.agent, event.attribution.component, event.attribution.run, event.connection,
                event.connectionName, event.method, event.origin, event.path,
                event.status.map { Int64(truncatingIfNeeded: $0) }, event.succeeded ? 1 : 0, event.detail, record.mac,
            ])
    }

    static func auditRecord(_ row: Row) throws -> AuditRecord {
        let actionText: String = row["action"]
        guard let action = VaultEvent.Action(rawValue: actionText) else {
            throw VaultError.storage("an audit record has an unknown action \(actionText)")
        }
        let status: Int64? = row["status"]
        let succeeded: Int64 = row["succeeded"]
        return AuditRecord(
            event: VaultEvent(
                action, team: row["team"], at: row["at"],
                attribution: Attribution(
                    actor: row["actor"], agent: row["agent"], component: row["component"], run: row["run_id"]),
                connection: row["connection_id"], connectionName: row["connection_name"], method: row["method"],
                origin: row["origin"], path: row["path"], status: status.flatMap { Int(exactly: $0) },
                succeeded: succeeded != 0, detail: row["detail"]),
            sequence: row["seq"], mac: row["mac"])
    }
}
