import Foundation
import PostgresNIO
import Vault

/// The teams' audit trails on PostgreSQL. An append takes the team's `audit_heads` row with
/// `SELECT … FOR UPDATE` (inserted first with `ON CONFLICT DO NOTHING`, so two nodes making
/// a team's first record at once both end up waiting on the one row), so nodes appending at
/// once take turns and never fork a chain.
extension PostgresVaultStore {
    /// Appends the events to their teams' chains in one transaction.
    @discardableResult
    public func appendAudit(_ events: [VaultEvent], chain: AuditChain) async throws(VaultError) -> [AuditRecord] {
        guard !events.isEmpty else { return [] }
        return try await transaction { db in try await self.appendAudit(events, chain: chain, on: db) }
    }

    /// The query's records, newest first.
    public func auditRecords(_ query: AuditQuery) async throws(VaultError) -> [AuditRecord] {
        let since = query.since ?? -Double.infinity
        let before = query.before ?? Int64.max
        let limit = Int64(query.boundedLimit)
        if let connection = query.connection {
            return try await rows(
                """
                SELECT * FROM audit_records WHERE team = \(query.team) AND connection_id = \(connection)
                    AND at >= \(since) AND seq < \(before) ORDER BY seq DESC LIMIT \(limit)
                """, Self.auditRecord)
        }
        return try await rows(
            """
            SELECT * FROM audit_records WHERE team = \(query.team) AND at >= \(since) AND seq < \(before)
            ORDER BY seq DESC LIMIT \(limit)
            """, Self.auditRecord)
    }

    /// The team's records after `sequence`, oldest first.
    public func auditRecords(team: String, after sequence: Int64, limit: Int) async throws(VaultError)
        -> [AuditRecord]
    {
        try await withConnection { db in try await self.auditRecords(team: team, after: sequence, limit: limit, on: db)
        }
    }

    /// The team's head row.
    public func auditHead(team: String) async throws(VaultError) -> AuditChainState? {
        try await withConnection { db in try await self.auditHead(team: team, lock: false, on: db) }
    }

    /// The teams with an audit chain.
    public func auditTeams() async throws(VaultError) -> [String] {
        try await rows("SELECT team FROM audit_heads UNION SELECT DISTINCT team FROM audit_records ORDER BY team") {
            try $0["team"].decode(String.self)
        }
    }

    /// Deletes the team's records older than `time` after verifying them; leaves a checkpoint.
    public func pruneAudit(team: String, before time: Double, chain: AuditChain) async throws(VaultError)
        -> AuditPruned
    {
        try await transaction { db in
            guard let head = try await self.auditHead(team: team, lock: true, on: db) else {
                return AuditPruned(team: team, deleted: 0, checkpoint: nil)
            }
            guard head.keyID == chain.keyID else { throw AuditStoreSupport.otherKey(head, chain) }
            let firstKept = try await self.rows(
                "SELECT MIN(seq) AS first FROM audit_records WHERE team = \(team) AND at >= \(time)", on: db
            ).first.flatMap { try $0["first"].decode(Int64?.self) }
            let last = (firstKept ?? (head.sequence + 1)) - 1
            let start = head.checkpoint?.sequence ?? 0
            guard last > start else { return AuditPruned(team: team, deleted: 0, checkpoint: head.checkpoint) }
            // What is deleted must verify first: a checkpoint must never vouch for an edited record.
            var check = AuditChainCheck(team: team, state: head, chain: chain)
            var lastMAC = head.checkpoint?.mac ?? Data()
            var after = start
            while after < last {
                let page = try await self.auditRecords(team: team, after: after, limit: 500, on: db).filter {
                    $0.sequence <= last
                }
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
            let deleted = try await self.execute(
                "DELETE FROM audit_records WHERE team = \(team) AND seq <= \(last) RETURNING 1", on: db)
            try await self.execute(
                """
                UPDATE audit_heads SET checkpoint_seq = \(checkpoint.sequence), checkpoint_mac = \(checkpoint.mac),
                    checkpoint_before = \(checkpoint.before), checkpoint_signature = \(checkpoint.signature)
                WHERE team = \(team)
                """, on: db)
            return AuditPruned(team: team, deleted: deleted, checkpoint: checkpoint)
        }
    }

    /// Re-wraps every data key and re-signs every audit chain in one transaction.
    public func rewrapAll(
        _ rewrap: @escaping @Sendable (String, String, Data) throws -> (Data, String), resigning: AuditResigning
    ) async throws(VaultError) {
        try await transaction { db in
            try await self.rewrapRows(on: db, rewrap)
            // Every head locked first: no node appends under the old key meanwhile.
            try await self.execute("SELECT team FROM audit_heads ORDER BY team FOR UPDATE", on: db)
            let teams = try await self.rows(
                "SELECT team FROM audit_heads UNION SELECT DISTINCT team FROM audit_records ORDER BY team", on: db
            ).map { try $0["team"].decode(String.self) }
            for team in teams { try await self.resignAudit(team: team, resigning, on: db) }
        }
    }

    // MARK: - Inside a transaction

    func appendAudit(_ events: [VaultEvent], chain: AuditChain, on db: PostgresConnection) async throws
        -> [AuditRecord]
    {
        var written: [AuditRecord] = []
        for (team, batch) in AuditStoreSupport.byTeam(events) {
            let empty = chain.emptyHead(team: team)
            try await execute(
                """
                INSERT INTO audit_heads (team, seq, mac, key_id, signature)
                VALUES (\(team), 0, \(empty.mac), \(empty.keyID), \(empty.signature)) ON CONFLICT (team) DO NOTHING
                """, on: db)
            guard let head = try await auditHead(team: team, lock: true, on: db) else {
                throw VaultError.storage("the audit head of team \(team) vanished")
            }
            guard head.keyID == chain.keyID else { throw AuditStoreSupport.otherKey(head, chain) }
            let (records, newHead) = chain.extend(head, with: batch)
            for record in records { try await insertAudit(record, on: db) }
            try await putAuditHead(newHead, on: db)
            written += records
        }
        return written
    }

    func resignAudit(team: String, _ resigning: AuditResigning, on db: PostgresConnection) async throws {
        let head = try await auditHead(team: team, lock: true, on: db)
        var check = AuditChainCheck(team: team, state: head, chain: resigning.old)
        var resigner = AuditResigner(team: team, checkpoint: head?.checkpoint, chain: resigning.new)
        var after = head?.checkpoint?.sequence ?? 0
        while true {
            let page = try await auditRecords(team: team, after: after, limit: 500, on: db)
            guard let end = page.last else { break }
            check.check(page)
            if let problem = check.problem, !resigning.resignBroken { throw resigning.refusal(problem) }
            for record in page {
                let mac = resigner.sign(record)
                try await execute(
                    "UPDATE audit_records SET mac = \(mac) WHERE team = \(team) AND seq = \(record.sequence)", on: db)
            }
            after = end.sequence
        }
        let problem = check.finish(head: head)
        if let problem, !resigning.resignBroken { throw resigning.refusal(problem) }
        try await putAuditHead(resigner.head, on: db)
        _ = try await appendAudit(
            [resigning.rotationEvent(team: team, problem: problem)], chain: resigning.new, on: db)
    }

    func auditRecords(team: String, after sequence: Int64, limit: Int, on db: PostgresConnection) async throws
        -> [AuditRecord]
    {
        let limit = Int64(min(max(limit, 1), 10_000))
        return try await rows(
            "SELECT * FROM audit_records WHERE team = \(team) AND seq > \(sequence) ORDER BY seq LIMIT \(limit)",
            on: db
        ).map(Self.auditRecord)
    }

    func auditHead(team: String, lock: Bool, on db: PostgresConnection) async throws -> AuditChainState? {
        let query: PostgresQuery =
            lock
            ? "SELECT * FROM audit_heads WHERE team = \(team) FOR UPDATE"
            : "SELECT * FROM audit_heads WHERE team = \(team)"
        return try await rows(query, on: db).first.map { row in
            var checkpoint: AuditCheckpoint?
            if let sequence = try row["checkpoint_seq"].decode(Int64?.self),
                let mac = try row["checkpoint_mac"].decode(Data?.self),
                let before = try row["checkpoint_before"].decode(Double?.self),
                let signature = try row["checkpoint_signature"].decode(Data?.self)
            {
                checkpoint = AuditCheckpoint(sequence: sequence, mac: mac, before: before, signature: signature)
            }
            return AuditChainState(
                team: try row["team"].decode(String.self), sequence: try row["seq"].decode(Int64.self),
                mac: try row["mac"].decode(Data.self), keyID: try row["key_id"].decode(String.self),
                signature: try row["signature"].decode(Data.self), checkpoint: checkpoint)
        }
    }

    func putAuditHead(_ head: AuditChainState, on db: PostgresConnection) async throws {
        let checkpoint = head.checkpoint
        try await execute(
            """
            INSERT INTO audit_heads (team, seq, mac, key_id, signature, checkpoint_seq, checkpoint_mac,
                checkpoint_before, checkpoint_signature)
            VALUES (\(head.team), \(head.sequence), \(head.mac), \(head.keyID), \(head.signature),
                \(checkpoint?.sequence), \(checkpoint?.mac), \(checkpoint?.before), \(checkpoint?.signature))
            ON CONFLICT (team) DO UPDATE SET seq = excluded.seq, mac = excluded.mac, key_id = excluded.key_id,
                signature = excluded.signature, checkpoint_seq = excluded.checkpoint_seq,
                checkpoint_mac = excluded.checkpoint_mac, checkpoint_before = excluded.checkpoint_before,
                checkpoint_signature = excluded.checkpoint_signature
            """, on: db)
    }

    func insertAudit(_ record: AuditRecord, on db: PostgresConnection) async throws {
        let event = record.event
        let status = event.status.map { Int64(truncatingIfNeeded: $0) }
        let succeeded: Int64 = event.succeeded ? 1 : 0
        try await execute(
            """
            INSERT INTO audit_records (team, seq, at, action, actor, agent, component, run_id, connection_id,
                connection_name, method, origin, path, status, succeeded, detail, mac)
            VALUES (\(event.team), \(record.sequence), \(event.at), \(event.action.rawValue),
                \(event.attribution.actor), \(event.attribution.agent), \(event.attribution.component),
                \(event.attribution.run), \(event.connection), \(event.connectionName), \(event.method),
                \(event.origin), \(event.path), \(status), \(succeeded), \(event.detail), \(record.mac))
            """, on: db)
    }

    static func auditRecord(_ row: PostgresRandomAccessRow) throws -> AuditRecord {
        let actionText = try row["action"].decode(String.self)
        guard let action = VaultEvent.Action(rawValue: actionText) else {
            throw VaultError.storage("an audit record has an unknown action \(actionText)")
        }
        return AuditRecord(
            event: VaultEvent(
                action, team: try row["team"].decode(String.self), at: try row["at"].decode(Double.self),
                attribution: Attribution(
                    actor: try row["actor"].decode(String?.self), agent: try row["agent"].decode(String?.self),
                    component: try row["component"].decode(String?.self), run: try row["run_id"].decode(String?.self)),
                connection: try row["connection_id"].decode(String?.self),
                connectionName: try row["connection_name"].decode(String?.self),
                method: try row["method"].decode(String?.self), origin: try row["origin"].decode(String?.self),
                path: try row["path"].decode(String?.self),
                status: try row["status"].decode(Int64?.self).flatMap { Int(exactly: $0) },
                succeeded: try row["succeeded"].decode(Int64.self) != 0, detail: try row["detail"].decode(String?.self)),
            sequence: try row["seq"].decode(Int64.self), mac: try row["mac"].decode(Data.self))
    }
}
