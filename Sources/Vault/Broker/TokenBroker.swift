import Foundation
import OAuthCore

#if canImport(Glibc)
    import Glibc
#endif

/// Hands out valid credentials. It refreshes a token shortly before it expires (or fetches
/// a new one for client credentials), once per connection however many callers ask at once:
/// within the process through this actor, across processes through a lease taken with a
/// compare-and-swap on the connection's version. New tokens, the rotated refresh token among
/// them, are stored before anyone uses them.
public actor TokenBroker {
    /// Timing knobs; the defaults suit real providers, tests shorten them.
    public struct Policy: Sendable {
        /// Refresh when the token expires within this many seconds.
        public var skew: TimeInterval = 60
        /// How long a refresh lease holds before others may take over.
        public var leaseDuration: TimeInterval = 30
        /// Attempts for transient failures (5xx, timeouts).
        public var attempts: Int = 3
        /// The first backoff; it doubles after each attempt.
        public var backoff: Duration = .milliseconds(200)
        /// How often a process waiting for another one's refresh looks again.
        public var pollInterval: Duration = .milliseconds(25)
        /// How long a cached credential is used before its connection's version is checked
        /// again, which is how changes made by other processes reach this one.
        public var revalidateAfter: TimeInterval = 1

        /// The default policy.
        public init() {}
    }

    /// The team's vault the broker reads and writes tokens in.
    public nonisolated let vault: Vault
    private let transport: any HTTPTransport
    private let policy: Policy
    private let clock: @Sendable () -> Date
    /// Identifies this broker in leases: host, process id and a random nonce.
    private let owner: String
    private var inFlight: [String: Task<Credential, any Error>] = [:]
    /// Reads of a connection's stored credential in progress, shared by the callers that wait.
    private var lookups: [String: Task<Credential?, any Error>] = [:]
    /// New tokens whose commit was lost with the database connection, by connection id.
    private var unsaved: [String: (row: StoredConnection, credential: Credential)] = [:]
    /// Valid credentials with what authorizing needs, by connection id (see `CachedAuthorization`).
    private let cache = CredentialCache()
    /// Refresh outcomes not yet handed to the vault's events: `exchange` may run while the
    /// store holds the connection's row lock, and the audit trail's write must not wait inside it.
    private var unreported: [VaultEvent] = []
    /// Token requests made to providers by this broker (refreshes and client credentials).
    public private(set) var providerRequests = 0

    /// A broker for `vault`'s team that refreshes through `transport`, timed by `policy` and `clock`.
    public init(
        vault: Vault, transport: any HTTPTransport, policy: Policy = Policy(),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.vault = vault
        self.transport = transport
        self.policy = policy
        self.clock = clock
        owner = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(SecureRandom.token().prefix(12))"
    }

    /// A credential that is valid now, or a typed error saying why there is none.
    public func credential(for id: String) async throws(BrokerError) -> Credential {
        try await obtain(id, rejected: nil)
    }

    /// After an API answered 401 to `rejected`: refresh once (unless another caller already
    /// did) and return the new credential.
    public func credential(for id: String, rejected: Credential) async throws(BrokerError) -> Credential {
        try await obtain(id, rejected: rejected.accessToken)
    }

    /// Refreshes connection `id` now, whatever its expiry, through the same single flight (and,
    /// across nodes, the same row lock or lease) as `credential(for:)`: when another caller or
    /// node replaced the access token meanwhile, that one is returned and nothing is refreshed.
    /// The background refresher's way in.
    public func refreshNow(_ id: String) async throws(BrokerError) -> Credential {
        let row = try await read(id)
        guard let current = try tokens(row) else { throw .needsAuth(connection: id) }
        return try await obtain(id, rejected: current.accessToken)
    }

    /// The cached authorization of connection `id` if it is still valid, without reading the
    /// vault (except a version check after a local write or every `revalidateAfter` seconds);
    /// nil when the caller must go through `credential(for:)`. Nonisolated: a fresh entry is
    /// handed out without waiting for the actor, and the version check awaits the store
    /// without blocking a thread.
    public nonisolated func cachedAuthorization(for id: String) async -> CachedAuthorization? {
        guard let entry = cache.entry(id) else { return nil }
        let now = clock().timeIntervalSince1970
        if let until = entry.usableUntil, now >= until {
            cache.remove(id)  // entering the refresh window: the slow path refreshes
            return nil
        }
        let writes = vault.store.localWrites.count
        if writes != entry.writes || now - entry.checkedAt >= policy.revalidateAfter {
            guard let version = try? await vault.store.version(id: id, team: vault.team), version == entry.version
            else {
                cache.remove(id)
                return nil
            }
            cache.checked(id, version: version, writes: writes, at: now)
        }
        return entry
    }

    private func obtain(_ id: String, rejected: String?) async throws(BrokerError) -> Credential {
        if rejected != nil { cache.remove(id) }
        if let task = inFlight[id] { return try await value(of: task, id) }
        if rejected == nil, let credential = try await sharedLookup(id) { return credential }
        // Reading the store suspended this actor: another caller may have started the refresh
        // meanwhile, and a second refresh would spend the rotated refresh token twice.
        if let task = inFlight[id] { return try await value(of: task, id) }
        let task = Task { try await self.refresh(id, rejected: rejected) }
        inFlight[id] = task
        defer { if inFlight[id] == task { inFlight[id] = nil } }
        return try await value(of: task, id)
    }

    /// The stored credential if it is usable as is, read once for every caller asking at the
    /// same time: 200 callers of an expired connection make one read, not 200 (each would take
    /// a database connection on PostgreSQL).
    private func sharedLookup(_ id: String) async throws(BrokerError) -> Credential? {
        let task: Task<Credential?, any Error>
        if let running = lookups[id] {
            task = running
        } else {
            task = Task { try await self.usableCredential(id) }
            lookups[id] = task
        }
        defer { if lookups[id] == task { lookups[id] = nil } }
        do { return try await task.value } catch let error as BrokerError { throw error } catch {
            throw .unusable(connection: id, reason: String(describing: error))
        }
    }

    private func value(of task: Task<Credential, any Error>, _ id: String) async throws(BrokerError) -> Credential {
        do { return try await task.value } catch let error as BrokerError { throw error } catch {
            throw .unusable(connection: id, reason: String(describing: error))
        }
    }

    /// The stored credential if it is usable as is; nil when it must be refreshed first.
    private func usableCredential(_ id: String) async throws(BrokerError) -> Credential? {
        let writes = vault.store.localWrites.count  // before reading, so a write racing the read is noticed
        let row = try await read(id)
        guard let credential = try credential(from: row, tokens: try tokens(row), needsFresh: false) else { return nil }
        remember(credential, row: row, writes: writes)
        return credential
    }

    /// Caches a credential just read from `row`, with the settings the authorizer checks.
    private func remember(_ credential: Credential, row: StoredConnection, writes: Int) {
        guard let settings = try? settings(row) else { return }
        let neverExpires = settings.kind.protocol != .oauth2  // OAuth 1.0a tokens and API keys
        cache.store(
            CachedAuthorization(
                credential: credential, name: row.name, allowedHosts: settings.allowedHosts,
                allowedOrigins: settings.allowedOrigins, bodyHash: settings.settings.bodyHash == true,
                signer: {
                    if case .oauth1(let credentials) = credential {
                        return OAuth1Signer(credentials: credentials)
                    } else {
                        return nil
                    }
                }(),
                version: row.version, usableUntil: neverExpires ? nil : row.tokenExpiresAt.map { $0 - policy.skew },
                writes: writes, checkedAt: clock().timeIntervalSince1970), for: row.id)
    }

    private func credential(from row: StoredConnection, tokens: ConnectionTokens?, needsFresh: Bool) throws(BrokerError)
        -> Credential?
    {
        switch ConnectionStatus(rawValue: row.status) ?? .error {
        case .ready: break
        case .needsAuth: throw .needsAuth(connection: row.id)
        case .needsReauth:
            throw .needsReauth(connection: row.id, reason: row.statusReason ?? "the provider refused the refresh token")
        case .error: throw .unusable(connection: row.id, reason: row.statusReason ?? "the connection is in error")
        }
        let settings = try settings(row)
        if settings.kind.isAPIKey {
            let key: String?
            do { key = try vault.secrets(in: row).apiKey } catch {
                throw .unusable(connection: row.id, reason: error.message)
            }
            guard let key, !key.isEmpty else { throw .needsAuth(connection: row.id) }
            return .apiKey(key: key, placement: APIKeyPlacement(settings: settings.settings))
        }
        guard let tokens else { throw .needsAuth(connection: row.id) }
        if settings.kind.protocol == .oauth1 {
            do {
                return .oauth1(try settings.oauth1Credentials(secrets: try vault.secrets(in: row), tokens: tokens))
            } catch {
                throw .unusable(connection: row.id, reason: String(describing: error))
            }
        }
        if needsFresh { return nil }
        if let expiresAt = tokens.expiresAt, expiresAt - clock().timeIntervalSince1970 <= policy.skew { return nil }
        return bearer(tokens)
    }

    private func bearer(_ tokens: ConnectionTokens) -> Credential {
        let type = tokens.tokenType ?? "Bearer"
        let scheme = type.caseInsensitiveCompare("bearer") == .orderedSame ? "Bearer" : type
        return .bearer(authorization: "\(scheme) \(tokens.accessToken)", accessToken: tokens.accessToken)
    }

    /// The refresh protocol. A store that can lock the row (PostgreSQL) refreshes inside that
    /// lock; otherwise (SQLite) this loops until it holds the lease and refreshes, or finds
    /// that someone else already did.
    private func refresh(_ id: String, rejected: String?) async throws -> Credential {
        if let locking = vault.store as? any RowLockingConnectionStore {
            return try await refreshLocked(id, rejected: rejected, store: locking)
        }
        while true {
            try Task.checkCancellation()
            let row = try await read(id)
            let tokens = try tokens(row)
            let stale = rejected != nil && tokens?.accessToken == rejected
            if let credential = try credential(from: row, tokens: tokens, needsFresh: stale) { return credential }
            guard let tokens else { throw BrokerError.needsAuth(connection: id) }

            let now = clock().timeIntervalSince1970
            if let holder = row.leaseOwner, holder != owner, (row.leaseUntil ?? 0) > now, Self.isAlive(holder) {
                try await Task.sleep(for: policy.pollInterval)  // someone else is refreshing: wait for their result
                continue
            }
            var leased = row
            leased.leaseOwner = owner
            leased.leaseUntil = now + policy.leaseDuration
            guard try await replace(leased, expected: row.version) else { continue }  // lost the race: look again
            leased.version = row.version + 1
            return try await refreshHoldingLease(leased, tokens: tokens)
        }
    }

    /// Refreshes inside the store's row lock: whoever holds it next sees the committed tokens
    /// and uses them instead of refreshing again. Two transactions: the first marks the row as
    /// being refreshed by this broker (committed), the second holds the lock across the
    /// provider's answer and commits the new tokens, clearing the mark. The mark matters only
    /// if the second one's connection is lost after the provider rotated the refresh token
    /// (the database restarting): other nodes then wait instead of spending the old refresh
    /// token, and this broker saves the new tokens as soon as the database is back. While the
    /// lock is held nobody looks at the mark, so it never runs out under a slow provider.
    private func refreshLocked(_ id: String, rejected: String?, store: any RowLockingConnectionStore)
        async throws -> Credential
    {
        let deadline = clock().timeIntervalSince1970 + policy.leaseDuration
        while true {
            try Task.checkCancellation()
            switch try await locked(id, store: store, { row in await self.markRow(row, rejected: rejected) }) {
            case .done(let result):
                return try result.get()
            case .changed:
                continue
            case .wait:
                guard clock().timeIntervalSince1970 < deadline else {
                    throw BrokerError.storeUnavailable(
                        connection: id, reason: "another node is still saving a refresh of this connection")
                }
                try await Task.sleep(for: policy.pollInterval)
                continue
            case .marked(let version):
                unsaved[id] = nil
                // A Result, not a `catch` that returns: Swift 6.3's SILGen crashes on that shape.
                let attempt: Result<LockedStep, BrokerError>
                do {
                    attempt = .success(
                        try await locked(id, store: store) { row in
                            await self.refreshMarkedRow(row, markedVersion: version, rejected: rejected)
                        })
                } catch {
                    attempt = .failure(error)
                }
                await report()  // the lock is released: the refresh's outcome can be recorded
                switch attempt {
                case .success(.done(let result)):
                    if case .failure(.needsReauth(_, let reason)) = result {
                        // Written inside the row lock, not through `Vault.update`: said here.
                        await vault.emit(
                            .connectionStatus, connection: id, name: nil, succeeded: false,
                            detail:
                                "\(ConnectionStatus.ready.rawValue) -> \(ConnectionStatus.needsReauth.rawValue): \(reason)"
                        )
                    }
                    return try result.get()
                case .success:
                    continue  // changed since it was marked (edited, signed out): look again
                case .failure(let error):
                    // The commit was lost with the connection. If the provider already rotated
                    // the refresh token, the new tokens exist only here: save them.
                    guard case .storeUnavailable = error, let pending = unsaved[id] else { throw error }
                    unsaved[id] = nil
                    return try await save(pending, expectedVersion: version)
                }
            }
        }
    }

    /// What one locked step of the refresh decided.
    private enum LockedStep: Sendable {
        /// The caller has its answer.
        case done(Result<Credential, BrokerError>)
        /// Another broker marked the row and may still be saving its refresh: look again soon.
        case wait
        /// This broker marked the row at this version.
        case marked(Int64)
        /// The row changed between the two steps.
        case changed
    }

    /// Runs one step inside the store's row lock; store failures become `storeUnavailable`.
    private func locked(
        _ id: String, store: any RowLockingConnectionStore,
        _ body: @escaping @Sendable (StoredConnection) async -> (write: StoredConnection?, result: LockedStep)
    ) async throws(BrokerError) -> LockedStep {
        let step: LockedStep?
        do { step = try await store.withLockedConnection(id: id, team: vault.team, body) } catch {
            throw Self.brokerError(error, connection: id)
        }
        // After the commit, so cached credentials check their version again only once it is in.
        vault.store.localWrites.note()
        guard let step else { throw .unusable(connection: id, reason: "connection \(id) does not exist") }
        return step
    }

    /// Step one: hands out the stored credential if it is good, waits for another broker's
    /// unfinished refresh, or marks the row as being refreshed by this one.
    private func markRow(_ row: StoredConnection, rejected: String?) async
        -> (write: StoredConnection?, result: LockedStep)
    {
        do {
            let tokens = try tokens(row)
            let stale = rejected != nil && tokens?.accessToken == rejected
            if let credential = try credential(from: row, tokens: tokens, needsFresh: stale) {
                return (nil, .done(.success(credential)))  // another node refreshed while this one waited
            }
            guard tokens != nil else { return (nil, .done(.failure(.needsAuth(connection: row.id)))) }
            let now = clock().timeIntervalSince1970
            if let holder = row.leaseOwner, holder != owner, (row.leaseUntil ?? 0) > now, Self.isAlive(holder) {
                return (nil, .wait)
            }
            var marked = row
            marked.leaseOwner = owner
            marked.leaseUntil = now + policy.leaseDuration
            return (marked, .marked(row.version + 1))
        } catch {
            return (nil, .done(.failure(error)))
        }
    }

    /// Step two, with the row still marked by this broker: asks the provider and writes what
    /// it answered (new tokens, or needs-reauth), clearing the mark.
    private func refreshMarkedRow(_ row: StoredConnection, markedVersion: Int64, rejected: String?) async
        -> (write: StoredConnection?, result: LockedStep)
    {
        guard row.version == markedVersion, row.leaseOwner == owner else { return (nil, .changed) }
        var cleared = row
        cleared.leaseOwner = nil
        cleared.leaseUntil = nil
        do {
            guard let tokens = try tokens(row) else {
                return (cleared, .done(.failure(.needsAuth(connection: row.id))))
            }
            switch try await exchange(row, tokens: tokens) {
            case .refreshed(let fresh):
                var committed = row
                do { try vault.put(fresh, into: &committed) } catch {
                    return (cleared, .done(.failure(.unusable(connection: row.id, reason: error.message))))
                }
                committed.updatedAt = clock().timeIntervalSince1970
                let credential = bearer(fresh)
                unsaved[row.id] = (committed, credential)  // in case the commit is lost
                return (committed, .done(.success(credential)))
            case .refused(let reason):
                cleared.status = ConnectionStatus.needsReauth.rawValue
                cleared.statusReason = reason
                cleared.updatedAt = clock().timeIntervalSince1970
                return (cleared, .done(.failure(.needsReauth(connection: row.id, reason: reason))))
            case .failed(let reason):
                return (cleared, .done(.failure(.transient(connection: row.id, reason: reason))))
            }
        } catch let error as BrokerError {
            return (cleared, .done(.failure(error)))
        } catch {
            return (cleared, .done(.failure(.unusable(connection: row.id, reason: String(describing: error)))))
        }
    }

    /// Saves new tokens whose commit was lost with the database connection: retries the
    /// compare-and-swap from the marked version until the database answers (other brokers
    /// wait for the mark meanwhile), for at most the mark's lifetime. Only a saved token is
    /// handed out.
    private func save(_ pending: (row: StoredConnection, credential: Credential), expectedVersion: Int64)
        async throws -> Credential
    {
        let id = pending.row.id
        let deadline = clock().timeIntervalSince1970 + policy.leaseDuration
        var delay = Duration.milliseconds(100)
        var lastError = "the database did not answer"
        while clock().timeIntervalSince1970 < deadline {
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(2))
            do {
                guard try await vault.store.replace(pending.row, expectedVersion: expectedVersion) else {
                    throw BrokerError.unusable(
                        connection: id, reason: "the connection changed while new tokens waited to be saved")
                }
                vault.store.localWrites.note()
                return pending.credential
            } catch let error as VaultError {
                lastError = error.message
            }
        }
        throw BrokerError.storeUnavailable(connection: id, reason: "the new tokens could not be saved: \(lastError)")
    }

    private func refreshHoldingLease(_ leased: StoredConnection, tokens: ConnectionTokens) async throws -> Credential {
        let id = leased.id
        let exchanged = try await exchange(leased, tokens: tokens)
        await report()
        switch exchanged {
        case .refreshed(let fresh):
            var committed = leased
            do { try vault.put(fresh, into: &committed) } catch {
                throw BrokerError.unusable(connection: id, reason: error.message)
            }
            committed.updatedAt = clock().timeIntervalSince1970
            // Persist first: only a stored token is handed out.
            if try await replace(committed, expected: leased.version) { return bearer(fresh) }
            // The connection was edited or signed out meanwhile: its new state decides.
            let current = try await read(id)
            if let credential = try credential(from: current, tokens: try self.tokens(current), needsFresh: false) {
                return credential
            }
            throw BrokerError.needsAuth(connection: id)
        case .refused(let reason):
            _ = try? await vault.setStatus(id, .needsReauth, reason: reason, expectedVersion: leased.version)
            throw BrokerError.needsReauth(connection: id, reason: reason)
        case .failed(let reason):
            // Transient: release the lease, stay ready, let the caller retry later.
            var released = leased
            released.leaseOwner = nil
            released.leaseUntil = nil
            _ = try? await replace(released, expected: leased.version)
            throw BrokerError.transient(connection: id, reason: reason)
        }
    }

    /// What asking the provider for new tokens came to.
    private enum Exchange {
        /// New tokens (not yet stored).
        case refreshed(ConnectionTokens)
        /// The provider refused for good (or there is no refresh token): the user must log in again.
        case refused(String)
        /// Every attempt failed transiently (5xx, timeouts).
        case failed(String)
    }

    /// Asks the provider for new tokens (a refresh, or client credentials), retrying
    /// transient failures with backoff. Stores nothing.
    private func exchange(_ row: StoredConnection, tokens: ConnectionTokens) async throws -> Exchange {
        let id = row.id
        let settings = try settings(row)
        let secrets: ConnectionSecrets
        do { secrets = try vault.secrets(in: row) } catch {
            throw BrokerError.unusable(connection: id, reason: error.message)
        }
        let client = OAuth2Client(
            configuration: settings.oauth2Configuration(secrets: secrets, redirectURI: nil), transport: transport)
        let isClientCredentials = settings.kind.grantType == .clientCredentials
        guard isClientCredentials || tokens.refreshToken != nil else {
            return .refused("the access token expired and the provider issued no refresh token")
        }
        var delay = policy.backoff
        var lastError: OAuth2Error?
        for attempt in 1...max(1, policy.attempts) {
            providerRequests += 1
            // A Result rather than returning from inside `catch`: Swift 6.3's SILGen crashes on
            // that shape with a typed-throws call.
            let outcome: Result<OAuth2Token, OAuth2Error>
            do {
                outcome = .success(
                    isClientCredentials
                        ? try await client.clientCredentials() : try await client.refresh(tokens.refreshToken ?? ""))
            } catch {
                outcome = .failure(error)
            }
            switch outcome {
            case .success(let token):
                var fresh = ConnectionTokens(token)
                if fresh.scope == nil { fresh.scope = tokens.scope }
                note(
                    vault.event(
                        .connectionRefresh, connection: id, name: row.name,
                        detail: isClientCredentials ? "client credentials" : nil))
                if fresh.refreshToken == tokens.refreshToken, fresh.refreshTokenExpiresAt == nil {
                    fresh.refreshTokenExpiresAt = tokens.refreshTokenExpiresAt  // not rotated: its expiry stands
                }
                return .refreshed(fresh)
            case .failure(let error):
                lastError = error
                if error.isPermanent {
                    note(
                        vault.event(
                            .connectionRefreshFailed, connection: id, name: row.name, succeeded: false,
                            detail: error.description))
                    return .refused(error.description)
                }
                if attempt < policy.attempts {
                    try await Task.sleep(for: delay)
                    delay = delay * 2
                }
            }
        }
        let reason = lastError?.description ?? "unknown"
        note(
            vault.event(
                .connectionRefreshFailed, connection: id, name: row.name, succeeded: false,
                detail: "\(max(1, policy.attempts)) attempts: \(reason)"))
        return .failed(reason)
    }

    private func note(_ event: VaultEvent) {
        unreported.append(event)
    }

    /// Hands the refresh outcomes noted so far to the vault's events (outside any row lock).
    private func report() async {
        let events = unreported
        unreported.removeAll()
        for event in events { await vault.events.emit(event) }
    }

    /// After an API answered 401 to an API key: there is nothing to refresh, so the
    /// connection is marked `needs-reauth` (if it still holds that key) and no request retries.
    public func keyRejected(_ id: String, key: String, status: Int) async {
        cache.remove(id)
        guard let row = try? await vault.stored(id), row.status == ConnectionStatus.ready.rawValue,
            let stored = try? vault.secrets(in: row).apiKey, stored == key
        else { return }
        _ = try? await vault.setStatus(
            id, .needsReauth, reason: "the API answered HTTP \(status) to the key; set a new key with Edit",
            expectedVersion: row.version)
    }

    // MARK: - Helpers

    private func read(_ id: String) async throws(BrokerError) -> StoredConnection {
        do { return try await vault.stored(id) } catch { throw Self.brokerError(error, connection: id) }
    }

    /// A store failure is `storeUnavailable` (try again), anything else `unusable`.
    static func brokerError(_ error: VaultError, connection: String) -> BrokerError {
        if case .storage = error { return .storeUnavailable(connection: connection, reason: error.message) }
        return .unusable(connection: connection, reason: error.message)
    }

    private func tokens(_ row: StoredConnection) throws(BrokerError) -> ConnectionTokens? {
        do { return try vault.tokens(in: row) } catch { throw .unusable(connection: row.id, reason: error.message) }
    }

    private func settings(_ row: StoredConnection) throws(BrokerError) -> EffectiveSettings {
        do { return try vault.effectiveSettings(of: row) } catch {
            throw .unusable(connection: row.id, reason: error.message)
        }
    }

    private func replace(_ row: StoredConnection, expected: Int64) async throws(BrokerError) -> Bool {
        do {
            let replaced = try await vault.store.replace(row, expectedVersion: expected)
            if replaced { vault.store.localWrites.note() }
            return replaced
        } catch {
            throw Self.brokerError(error, connection: row.id)
        }
    }

    /// A lease holder on this host is alive while its process exists; one on another host
    /// is trusted until its lease runs out.
    static func isAlive(_ holder: String) -> Bool {
        let parts = holder.split(separator: ":")
        guard parts.count >= 3, String(parts[0]) == ProcessInfo.processInfo.hostName, let pid = Int32(parts[1]) else {
            return true
        }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
