import Crypto
import Foundation
import OAuthCore
import Synchronization

/// The Vault: a team's OAuth connections and named secrets, sealed at rest. Every change is
/// one compare-and-swap on the connection's version, so several processes can share a vault.
public final class Vault: Sendable {
    /// Where the rows are kept.
    public let store: any VaultStore
    /// The state directory (vault file, master key file).
    public let home: KeyflowHome
    /// The team this vault shows.
    public let team: String
    /// The connection kinds.
    public let catalog: ProviderCatalog
    let masterKey: MasterKey
    let clock: @Sendable () -> Date
    /// Where this vault's events go (the audit trail, connection health, metrics); shared by
    /// every team's view of the same vault.
    public let events: VaultEvents

    /// The team of the embedded single-user default.
    public static let localTeam = "local"

    /// A vault over `store` for `team`; throws when the master key is not the one the rows were sealed with.
    public init(
        store: any VaultStore, home: KeyflowHome, team: String, masterKey: MasterKey,
        catalog: ProviderCatalog, clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws(VaultError) {
        self.store = store
        self.home = home
        self.team = team
        self.masterKey = masterKey
        self.catalog = catalog
        self.clock = clock
        events = VaultEvents()
        events.add(
            HealthRecorder(store: store) { [weak self] in
                try? await self?.forTeam($0).tokens(of: $1)?.refreshTokenExpiresAt
            })
        AuditRecorder.attach(to: events, store: store, masterKey: masterKey)
        let inUse = try await store.masterKeyIDs()
        if let other = inUse.first(where: { $0 != masterKey.id }) {
            throw .masterKey(
                "the master key (id \(masterKey.id)) is not the one this vault was sealed with (id \(other)); "
                    + "set KEYFLOW_MASTER_KEY or restore the matching master.key")
        }
    }

    /// What `open` did besides opening: whether it created the master key file.
    public struct Opened: Sendable {
        /// The vault opened.
        public let vault: Vault
        /// Set when a new master key file was written: the user must back it up.
        public let createdKeyFile: URL?
    }

    /// Opens the vault of `home`: its embedded SQLite file, or `store` when given (a shared
    /// PostgreSQL database). The master key is created on first use of an empty vault only: a
    /// missing key for a vault that has rows is an error, never a new key.
    public static func open(home: KeyflowHome, team: String = localTeam, store: (any VaultStore)? = nil)
        async throws(VaultError) -> Opened
    {
        let catalog: ProviderCatalog
        do { catalog = try ProviderCatalog.builtIn() } catch { throw .storage(error.reason) }
        let existed: Bool
        let opened: any VaultStore
        if let store {
            existed = !(try await store.masterKeyIDs()).isEmpty
            opened = store
        } else {
            existed = FileManager.default.fileExists(atPath: home.vaultPath.path)
            opened = try SQLiteVaultStore(path: home.vaultPath)
        }
        let store = opened
        // A key is created only with a new vault: a missing key for an existing vault is an error.
        let loaded = try MasterKey.load(home: home, create: !existed)
        do {
            return Opened(
                vault: try await Vault(store: store, home: home, team: team, masterKey: loaded.key, catalog: catalog),
                createdKeyFile: loaded.createdAt)
        } catch {
            // `rotate-key` commits the re-wrapped keys, then renames master.key.new into place;
            // a crash between the two leaves the new key there. Finish the rotation.
            guard home.masterKeyFromEnvironment == nil, let pending = MasterKey.pendingRotation(home: home),
                let vault = try? await Vault(store: store, home: home, team: team, masterKey: pending, catalog: catalog)
            else { throw error }
            try MasterKey.finishRotation(home: home)
            return Opened(vault: vault, createdKeyFile: nil)
        }
    }

    /// The same vault (store and master key) seen as another team, for a server that
    /// serves several teams from one process.
    public func forTeam(_ team: String) -> Vault {
        Vault(sameStoreAs: self, team: team)
    }

    /// `other`'s store, home, master key, catalog and clock, for `team`. It cannot fail: the key
    /// was checked against the store when `other` was opened, and no path may hand back a
    /// vault of another team instead (as a fallback to `other` once did).
    private init(sameStoreAs other: Vault, team: String) {
        store = other.store
        home = other.home
        self.team = team
        masterKey = other.masterKey
        catalog = other.catalog
        clock = other.clock
        events = other.events
    }

    // MARK: - Reading

    /// The team's connections.
    public func list() async throws(VaultError) -> [Connection] {
        try await store.list(team: team).map(connection(from:))
    }

    /// The connection with this id in this team. Another team's id is reported exactly like
    /// a missing one, so ids do not leak.
    public func connection(_ id: String) async throws(VaultError) -> Connection {
        try connection(from: await stored(id))
    }

    func stored(_ id: String) async throws(VaultError) -> StoredConnection {
        guard ConnectionID.isWellFormed(id), let row = try await store.fetch(id: id, team: team) else {
            throw .notFound("connection \(id)")
        }
        return row
    }

    /// The catalog kind of `connection`.
    public func kind(of connection: Connection) throws(VaultError) -> ProviderKind {
        guard let kind = catalog.kind(id: connection.kind) else {
            throw .invalidInput(["connection \(connection.id) has unknown kind \(connection.kind)"])
        }
        return kind
    }

    /// The kind's defaults merged with the connection's own settings.
    public func effectiveSettings(of connection: Connection) throws(VaultError) -> EffectiveSettings {
        EffectiveSettings(kind: try kind(of: connection), settings: connection.settings)
    }

    /// The settings of a stored row, without opening its secrets: the broker and the
    /// authorizer need them on every request, the secrets only when they sign or refresh.
    func effectiveSettings(of row: StoredConnection) throws(VaultError) -> EffectiveSettings {
        guard let kind = catalog.kind(id: row.kind) else {
            throw .invalidInput(["connection \(row.id) has unknown kind \(row.kind)"])
        }
        return EffectiveSettings(kind: kind, settings: try decode(ConnectionSettings.self, row.settings, owner: row.id))
    }

    /// Opens the connection's secrets; plaintext lives only as long as the caller keeps it.
    public func secrets(of id: String) async throws(VaultError) -> ConnectionSecrets {
        try secrets(in: try await stored(id))
    }

    /// Opens the connection's tokens, nil when it has none.
    public func tokens(of id: String) async throws(VaultError) -> ConnectionTokens? {
        try tokens(in: try await stored(id))
    }

    func secrets(in row: StoredConnection) throws(VaultError) -> ConnectionSecrets {
        guard let sealed = row.secrets else { return ConnectionSecrets() }
        return try decode(ConnectionSecrets.self, open(sealed, in: row, field: "secrets"), owner: row.id)
    }

    func tokens(in row: StoredConnection) throws(VaultError) -> ConnectionTokens? {
        guard let sealed = row.tokens else { return nil }
        return try decode(ConnectionTokens.self, open(sealed, in: row, field: "tokens"), owner: row.id)
    }

    /// The Legacy connection kept for an agent's inline OAuth section, if there is one.
    public func legacyConnection(agentID: String, componentID: String) async throws(VaultError) -> Connection? {
        try await store.fetchLegacy(team: team, agentID: agentID, componentID: componentID).map(connection(from:))
    }

    /// The team's connection of this kind and name (Add New finds what an earlier run created).
    public func connection(kind: String, name: String) async throws(VaultError) -> Connection? {
        try await list().first { $0.kind == kind && $0.name == name && !$0.isLegacy }
    }

    // MARK: - Changing

    /// Creates a connection after checking the input against its kind; reports every
    /// problem at once.
    @discardableResult
    public func add(kind kindID: String, name: String, input: ConnectionInput, legacy: Connection.LegacyOrigin? = nil)
        async throws(VaultError) -> Connection
    {
        guard let kind = catalog.kind(id: kindID) else {
            throw .invalidConnection([FieldProblem(.kind, .unknownKind(kindID, known: catalog.kinds.map(\.id)))])
        }
        let (settings, secrets) = try ConnectionValidator(kind: kind, catalog: catalog).validated(
            input, existing: nil, name: name)
        let id = ConnectionID.make()
        let dataKey = Envelope.newDataKey()
        let now = clock().timeIntervalSince1970
        let row = StoredConnection(
            id: id, team: team, name: name.trimmingCharacters(in: .whitespacesAndNewlines), kind: kind.id,
            settings: try encode(settings), keyID: masterKey.id,
            wrappedKey: try Envelope.wrap(dataKey, with: masterKey, team: team, owner: id),
            secrets: try seal(encode(secrets), dataKey: dataKey, owner: id, field: "secrets"), tokens: nil,
            status: (kind.isAPIKey ? ConnectionStatus.ready : .needsAuth).rawValue, statusReason: nil,
            tokenExpiresAt: nil, version: 1,
            createdAt: now, updatedAt: now, legacyAgentID: legacy?.agentID, legacyComponentID: legacy?.componentID,
            leaseOwner: nil, leaseUntil: nil)
        try await store.insert(row)
        await emit(.connectionCreate, connection: id, name: row.name, detail: kind.id)
        return try connection(from: row)
    }

    /// Changes settings, secrets, name or kind. Changing anything that authentication depends
    /// on (client id or secret, URLs, scopes, kind) drops the tokens, and so does adding an
    /// allowed origin (a host, or another scheme or port); renaming or removing hosts does not.
    /// Moving an endpoint to another origin needs the stored secrets typed again.
    @discardableResult
    public func edit(_ id: String, name: String? = nil, kind newKind: String? = nil, input: ConnectionInput)
        async throws(VaultError) -> Connection
    {
        let fields = Mutex<[String]>([])
        let edited = try await update(id) { row, vault throws(VaultError) in
            let before = row
            defer {
                let changed = Vault.changedFields(
                    from: before, to: row, oldSecrets: (try? vault.encode(vault.secrets(in: before))) ?? Data(),
                    newSecrets: (try? vault.encode(vault.secrets(in: row))) ?? Data())
                fields.withLock { $0 = changed }
            }
            let current = try vault.connection(from: row)
            let kindID = newKind ?? row.kind
            guard let kind = vault.catalog.kind(id: kindID) else {
                throw .invalidConnection([
                    FieldProblem(.kind, .unknownKind(kindID, known: vault.catalog.kinds.map(\.id)))
                ])
            }
            let oldSecrets = try vault.secrets(in: row)
            let previousKind = vault.catalog.kind(id: row.kind)
            let (settings, secrets) = try ConnectionValidator(kind: kind, catalog: vault.catalog)
                .validated(
                    input, existing: (current.settings, oldSecrets, kindID == row.kind), name: name ?? row.name,
                    previousKind: previousKind)
            let authChanged =
                kindID != row.kind || !Self.sameAuthentication(current.settings, settings) || secrets != oldSecrets
            // Tokens never reach an origin that was not allowed when they were issued.
            let added = OriginChanges(
                old: previousKind.map { EffectiveSettings(kind: $0, settings: current.settings) },
                new: EffectiveSettings(kind: kind, settings: settings)
            ).addedOrigins
            let dataKey = try vault.dataKey(of: row)
            if let name { row.name = name.trimmingCharacters(in: .whitespacesAndNewlines) }
            row.kind = kindID
            row.settings = try vault.encode(settings)
            row.secrets = try vault.seal(vault.encode(secrets), dataKey: dataKey, owner: row.id, field: "secrets")
            if kind.isAPIKey {
                // The key is the whole credential: a new one (or a new kind) is ready at once,
                // and a key rejected by the API stays marked until a key is given.
                row.tokens = nil
                row.tokenExpiresAt = nil
                if (secrets.apiKey ?? "").isEmpty {
                    row.status = ConnectionStatus.needsAuth.rawValue
                    row.statusReason = "no key is stored"
                } else if input.text["apiKey"] != nil || kindID != current.kind {
                    row.status = ConnectionStatus.ready.rawValue
                    row.statusReason = nil
                }
            } else if (authChanged || !added.isEmpty)
                && (row.tokens != nil || row.status != ConnectionStatus.needsAuth.rawValue)
            {
                row.tokens = nil
                row.tokenExpiresAt = nil
                row.status = ConnectionStatus.needsAuth.rawValue
                row.statusReason =
                    authChanged
                    ? "settings changed; authenticate again"
                    : "allowed hosts now include \(added.map(\.description).joined(separator: ", ")); authenticate again"
            }
        }
        let changed = fields.withLock { $0 }
        await emit(
            .connectionEdit, connection: id, name: edited.name,
            detail: changed.isEmpty ? "nothing changed" : changed.joined(separator: ", "))
        return edited
    }

    /// Copies settings and secrets (never tokens) into a new connection, "NAME (copy)" by default.
    @discardableResult
    public func duplicate(_ id: String, name: String? = nil) async throws(VaultError) -> Connection {
        let row = try await stored(id)
        let secrets = try secrets(in: row)
        let newID = ConnectionID.make()
        let dataKey = Envelope.newDataKey()
        let now = clock().timeIntervalSince1970
        let copy = StoredConnection(
            id: newID, team: team, name: name ?? "\(row.name) (copy)", kind: row.kind, settings: row.settings,
            keyID: masterKey.id,
            wrappedKey: try Envelope.wrap(dataKey, with: masterKey, team: team, owner: newID),
            secrets: try seal(encode(secrets), dataKey: dataKey, owner: newID, field: "secrets"), tokens: nil,
            status: (catalog.kind(id: row.kind)?.isAPIKey == true && !(secrets.apiKey ?? "").isEmpty
                ? ConnectionStatus.ready : .needsAuth).rawValue,
            statusReason: nil, tokenExpiresAt: nil, version: 1,
            createdAt: now, updatedAt: now, legacyAgentID: nil, legacyComponentID: nil, leaseOwner: nil, leaseUntil: nil
        )
        try await store.insert(copy)
        await emit(.connectionDuplicate, connection: newID, name: copy.name, detail: "copied from \(row.id)")
        return try connection(from: copy)
    }

    /// Deletes the connection with its secrets and tokens.
    public func remove(_ id: String) async throws(VaultError) {
        let name = try? await store.fetch(id: id, team: team)?.name
        guard ConnectionID.isWellFormed(id), try await store.delete(id: id, team: team) else {
            throw .notFound("connection \(id)")
        }
        store.localWrites.note()
        await emit(.connectionRemove, connection: id, name: name)
    }

    /// Stores new tokens and marks the connection ready, in one write. With `expectedVersion`
    /// the write happens only if nobody changed the connection since that version.
    @discardableResult
    public func storeTokens(_ id: String, _ tokens: ConnectionTokens, expectedVersion: Int64? = nil)
        async throws(VaultError) -> Connection
    {
        let connection = try await update(id, expectedVersion: expectedVersion) { row, vault throws(VaultError) in
            try vault.put(tokens, into: &row)
        }
        await emit(.connectionAuthenticate, connection: id, name: connection.name)
        return connection
    }

    /// Drops the tokens (sign out) and sets `needs-auth`; settings and secrets stay.
    @discardableResult
    public func dropTokens(_ id: String) async throws(VaultError) -> Connection {
        let connection = try await update(id) { row, _ in
            row.tokens = nil
            row.tokenExpiresAt = nil
            row.status = ConnectionStatus.needsAuth.rawValue
            row.statusReason = nil
            row.leaseOwner = nil
            row.leaseUntil = nil
        }
        await emit(.connectionSignOut, connection: id, name: connection.name)
        return connection
    }

    /// Deletes the key of an API-key connection (its sign-out) and sets `needs-auth`.
    @discardableResult
    public func dropAPIKey(_ id: String) async throws(VaultError) -> Connection {
        let connection = try await update(id) { row, vault throws(VaultError) in
            var secrets = try vault.secrets(in: row)
            secrets.apiKey = nil
            row.secrets = try vault.seal(
                vault.encode(secrets), dataKey: try vault.dataKey(of: row), owner: row.id, field: "secrets")
            row.status = ConnectionStatus.needsAuth.rawValue
            row.statusReason = "signed out: the key was deleted"
        }
        await emit(.connectionSignOut, connection: id, name: connection.name, detail: "the key was deleted")
        return connection
    }

    /// Turns a Legacy connection into an ordinary shared one (`vault migrate`); tokens stay.
    @discardableResult
    public func promoteLegacy(_ id: String, name: String) async throws(VaultError) -> Connection {
        try await update(id) { row, _ in
            row.legacyAgentID = nil
            row.legacyComponentID = nil
            row.name = name
        }
    }

    /// Records a status (`needs-reauth` with the provider's reason, `error`).
    @discardableResult
    public func setStatus(_ id: String, _ status: ConnectionStatus, reason: String?, expectedVersion: Int64? = nil)
        async throws(VaultError) -> Connection
    {
        try await update(id, expectedVersion: expectedVersion) { row, _ in
            row.status = status.rawValue
            row.statusReason = reason
            row.leaseOwner = nil
            row.leaseUntil = nil
        }
    }

    /// Applies `change` to the current row and writes it with a compare-and-swap, retrying
    /// on a concurrent change unless the caller pinned `expectedVersion`. A lost swap needs no
    /// pause: the winner's write is committed when it returns, so the next read sees it.
    @discardableResult
    func update(
        _ id: String, expectedVersion: Int64? = nil,
        _ change: (inout StoredConnection, Vault) throws(VaultError) -> Void
    ) async throws(VaultError) -> Connection {
        for _ in 0..<200 {
            var row = try await stored(id)
            if let expectedVersion, row.version != expectedVersion { throw .conflict("connection \(id)") }
            let version = row.version
            let before = row
            try change(&row, self)
            row.updatedAt = clock().timeIntervalSince1970
            // A change into needs-reauth (or back to ready) goes to the outbox in the same transaction.
            if try await store.replace(row, expectedVersion: version, outbox: StatusChange.between(before, row)) {
                store.localWrites.note()  // cached credentials check their version again
                await emitStatusChange(from: before, to: row)
                row.version = version + 1
                return try connection(from: row)
            }
            if expectedVersion != nil { throw .conflict("connection \(id)") }
        }
        throw .conflict("connection \(id)")
    }

    func put(_ tokens: ConnectionTokens, into row: inout StoredConnection) throws(VaultError) {
        row.tokens = try seal(encode(tokens), dataKey: dataKey(of: row), owner: row.id, field: "tokens")
        row.tokenExpiresAt = tokens.expiresAt
        row.status = ConnectionStatus.ready.rawValue
        row.statusReason = nil
        row.leaseOwner = nil
        row.leaseUntil = nil
    }

    /// Whether two settings authenticate the same way: hosts do not matter here (`edit`
    /// checks them as origins), and an unset toggle equals an off one.
    static func sameAuthentication(_ lhs: ConnectionSettings, _ rhs: ConnectionSettings) -> Bool {
        var lhs = lhs
        var rhs = rhs
        lhs.allowedHosts = nil
        rhs.allowedHosts = nil
        lhs.pkce = lhs.pkce ?? false
        rhs.pkce = rhs.pkce ?? false
        lhs.bodyHash = lhs.bodyHash ?? false
        rhs.bodyHash = rhs.bodyHash ?? false
        return lhs == rhs
    }

    // MARK: - Sealing

    func dataKey(of row: StoredConnection) throws(VaultError) -> SymmetricKey {
        guard row.keyID == masterKey.id else {
            throw .masterKey("connection \(row.id) was sealed with master key \(row.keyID), not \(masterKey.id)")
        }
        return try Envelope.unwrap(row.wrappedKey, with: masterKey, team: row.team, owner: row.id)
    }

    func open(_ sealed: Data, in row: StoredConnection, field: String) throws(VaultError) -> Data {
        try Envelope.open(sealed, with: dataKey(of: row), team: row.team, owner: row.id, field: field)
    }

    func seal(_ plaintext: Data, dataKey: SymmetricKey, owner: String, field: String) throws(VaultError) -> Data {
        try Envelope.seal(plaintext, with: dataKey, team: team, owner: owner, field: field)
    }

    func encode<T: Encodable>(_ value: T) throws(VaultError) -> Data {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return try encoder.encode(value)
        } catch {
            throw .storage("cannot encode \(T.self)")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data, owner: String) throws(VaultError) -> T {
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw .storage("the stored \(T.self) of \(owner) is unreadable")
        }
    }

    func connection(from row: StoredConnection) throws(VaultError) -> Connection {
        let settings = try decode(ConnectionSettings.self, row.settings, owner: row.id)
        return Connection(
            id: row.id, team: row.team, name: row.name, kind: row.kind, settings: settings,
            status: ConnectionStatus(rawValue: row.status) ?? .error, statusReason: row.statusReason,
            tokenExpiresAt: row.tokenExpiresAt.map { Date(timeIntervalSince1970: $0) }, hasTokens: row.tokens != nil,
            createdAt: Date(timeIntervalSince1970: row.createdAt),
            updatedAt: Date(timeIntervalSince1970: row.updatedAt),
            legacy: row.legacyAgentID.map {
                Connection.LegacyOrigin(agentID: $0, componentID: row.legacyComponentID ?? "")
            },
            version: row.version)
    }
}
