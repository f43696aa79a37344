import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Synchronization
import Vault

/// The store of a vault shared by several `keyflow serve` nodes: every row (connections,
/// vault keys, logins in progress, Add New targets, agents, users, sessions) in one
/// PostgreSQL database, through postgres-nio's connection pool. Each concern's methods live
/// in a file of their own (`PostgresVaultStore+Connections.swift`, …).
public final class PostgresVaultStore: VaultStore, Sendable {
    /// The writes made through this store in this process (see `LocalWriteCounter`).
    public let localWrites = LocalWriteCounter()
    /// The database, password masked.
    public let url: PostgresURL
    let client: PostgresClient
    let tls: TLSSettings
    private let runner: Task<Void, Never>
    /// Runs queued, finished and cancelled, by this process or (once `watchRunEvents` has
    /// started the listener) by any node: see `PostgresVaultStore+Runs.swift`.
    public let runEvents = RunEvents()
    let runListener = Mutex<Task<Void, Never>?>(nil)
    /// postgres-nio logs queries at debug level, with their binds: sealed blobs and token hashes
    /// must not reach a log, so its logger prints nothing.
    static let silent = Logger(label: "keyflow.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Connects to `url` and brings the schema up to date unless `migrate` is false (`keyflow
    /// db status` only looks). One connection is made first, on its own: a wrong password,
    /// host or certificate is reported at once and in words, where the pool would retry for a
    /// minute and then only say that it gave up.
    public static func open(_ url: PostgresURL, migrate: Bool = true, maximumConnections: Int = 20)
        async throws(VaultError) -> PostgresVaultStore
    {
        let tls = try TLSSettings(url)
        try await probe(url, tls: tls)
        let store = PostgresVaultStore(url: url, tls: tls, maximumConnections: maximumConnections)
        if migrate {
            do { _ = try await PostgresMigrations.apply(on: store) } catch {
                store.close()
                throw error
            }
        }
        return store
    }

    private init(url: PostgresURL, tls: TLSSettings, maximumConnections: Int) {
        self.url = url
        self.tls = tls
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: tls.forPool)
        configuration.options.maximumConnections = max(1, maximumConnections)
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(30))
        let client = PostgresClient(configuration: configuration, backgroundLogger: Self.silent)
        self.client = client
        runner = Task { await client.run() }
    }

    /// One connection, opened and closed, with the pool's settings.
    static func probe(_ url: PostgresURL, tls: TLSSettings) async throws(VaultError) {
        let configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: tls.forConnection)
        do {
            let connection = try await PostgresConnection.connect(
                configuration: configuration, id: 0, logger: Self.silent)
            try await connection.close()
        } catch {
            throw .storage("cannot connect to \(url): \(describe(error))")
        }
    }

    /// Closes the pool; queries made afterwards fail.
    public func close() {
        runner.cancel()
        runListener.withLock { $0?.cancel() }
    }

    deinit {
        runner.cancel()
        runListener.withLock { $0?.cancel() }
    }

    /// libpq's `sslmode` in postgres-nio's terms: `prefer` and `require` encrypt without
    /// checking who answers; `verify-ca` checks the chain; `verify-full` the chain and the host.
    struct TLSSettings: Sendable {
        let forPool: PostgresClient.Configuration.TLS
        let forConnection: PostgresConnection.Configuration.TLS

        init(_ url: PostgresURL) throws(VaultError) {
            var tls = TLSConfiguration.makeClientConfiguration()
            switch url.sslMode {
            case .disable:
                forPool = .disable
                forConnection = .disable
                return
            case .prefer, .require: tls.certificateVerification = .none
            case .verifyCA: tls.certificateVerification = .noHostnameVerification
            case .verifyFull: tls.certificateVerification = .fullVerification
            }
            if let roots = url.sslRootCert {
                guard FileManager.default.isReadableFile(atPath: roots) else {
                    throw .storage("sslrootcert \(roots) cannot be read")
                }
                tls.trustRoots = .file(roots)
            }
            let context: NIOSSLContext
            do { context = try NIOSSLContext(configuration: tls) } catch {
                throw .storage("the TLS settings of the PostgreSQL URL do not work: \(error)")
            }
            let prefer = url.sslMode == .prefer
            forPool = prefer ? .prefer(tls) : .require(tls)
            forConnection = prefer ? .prefer(context) : .require(context)
        }
    }

    // MARK: - Plumbing

    /// Runs `body` on one pooled connection, mapping database errors to `VaultError.storage`.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws(VaultError) -> T {
        do { return try await client.withConnection { try await body($0) } } catch let error as VaultError {
            throw error
        } catch {
            throw .storage(Self.describe(error))
        }
    }

    /// Runs `body` in one transaction (committed when it returns, rolled back when it throws).
    /// Not postgres-nio's `withTransaction`: when the server drops a connection that sits idle
    /// in a transaction (a restart while a refresh waits for the provider), a statement sent
    /// on it afterwards never completes in postgres-nio 1.33, and its `withTransaction` always
    /// sends one (COMMIT or ROLLBACK). Here no statement goes out on a closed connection: the
    /// server has rolled the transaction back already, and the caller gets the error at once.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws(VaultError) -> T {
        try await withConnection { connection in
            try await self.execute("BEGIN", on: connection)
            let value: T
            do {
                value = try await body(connection)
            } catch {
                if !connection.isClosed { try? await self.execute("ROLLBACK", on: connection) }
                throw error
            }
            try await self.execute("COMMIT", on: connection)
            return value
        }
    }

    /// The rows of `query`, all read.
    func rows(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [PostgresRandomAccessRow] {
        try Self.ensureOpen(connection)
        return try await Self.untilClosed(connection) {
            var rows: [PostgresRandomAccessRow] = []
            for try await row in try await connection.query(query, logger: Self.silent) {
                rows.append(row.makeRandomAccess())
            }
            return rows
        }
    }

    /// The rows of `query` on a pooled connection, each made a value by `decode`.
    /// (An autoclosure: binding `Data` can throw, and that error is mapped here too.)
    package func rows<T: Sendable>(
        _ query: @autoclosure () throws -> PostgresQuery, _ decode: (PostgresRandomAccessRow) throws -> T
    ) async throws(VaultError) -> [T] {
        try await withConnection { connection in try await self.rows(try query(), on: connection).map(decode) }
    }

    /// Runs a statement and returns how many rows it returned: a statement whose changed-row
    /// count matters ends in `RETURNING 1` (postgres-nio does not hand out the command tag).
    @discardableResult
    func execute(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> Int {
        try Self.ensureOpen(connection)
        return try await Self.untilClosed(connection) {
            var count = 0
            for try await _ in try await connection.query(query, logger: Self.silent) { count += 1 }
            return count
        }
    }

    /// `execute` on a pooled connection.
    @discardableResult
    package func execute(_ query: @autoclosure () throws -> PostgresQuery) async throws(VaultError) -> Int {
        try await withConnection { connection in try await self.execute(try query(), on: connection) }
    }

    static let connectionLost = "the connection to PostgreSQL was lost (the server restarted or the network failed)"

    /// Throws instead of sending a statement on a connection the server has closed (which
    /// would never complete; see `transaction`).
    static func ensureOpen(_ connection: PostgresConnection) throws {
        if connection.isClosed {
            throw VaultError.storage(connectionLost)
        }
    }

    /// The server's message and SQLSTATE, never the query or its binds (which may hold sealed
    /// blobs or token hashes), nor the URL's password.
    static func describe(_ error: Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return "PostgreSQL: \(message)\(state)"
            }
            switch error.code {
            case .clientClosedConnection, .serverClosedConnection, .uncleanShutdown:
                return "PostgreSQL: the connection was closed (the server restarted or the network failed)"
            case .connectionError:
                // The socket's own error (refused, unreachable, TLS); a PSQLError's description
                // is a placeholder, so only other errors are spelled out.
                let cause = error.underlying.flatMap { $0 is PSQLError ? nil : String(describing: $0) }
                return "PostgreSQL: cannot connect" + (cause.map { " (\($0))" } ?? "")
            case .poolClosed:
                return "PostgreSQL: the connection pool is closed"
            default:
                return "PostgreSQL: \(error.code)"
            }
        }
        if error is PostgresDecodingError { return "PostgreSQL: a stored value has an unexpected type" }
        if String(describing: type(of: error)).hasPrefix("ConnectionPoolError") {
            return
                "PostgreSQL: the connection pool could not open a connection (the server is unreachable or refuses it)"
        }
        return String(describing: error)
    }
}
