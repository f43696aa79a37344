import Foundation

/// A parsed `postgres://` URL. The password is kept for connecting and masked everywhere else.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// How much of TLS to insist on, as libpq's `sslmode` says it.
    public enum SSLMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, unverified (libpq's default).
        case prefer
        /// TLS, its certificate not verified.
        case require
        /// TLS, the certificate verified against the roots, not the host name.
        case verifyCA = "verify-ca"
        /// TLS, the certificate verified against the roots and the host name.
        case verifyFull = "verify-full"
    }

    /// The role to connect as.
    public var user: String
    /// Its password, if the URL has one. Never printed.
    public var password: String?
    /// The server's host name or address.
    public var host: String
    /// The server's port (5432 unless given).
    public var port: Int
    /// The database.
    public var database: String
    /// `sslmode` (default `prefer`, as with libpq).
    public var sslMode: SSLMode
    /// `sslrootcert`: a PEM file of the roots to trust, for `verify-ca` and `verify-full`
    /// (default: the system's roots).
    public var sslRootCert: String?

    /// Parses `postgres://USER[:PASS]@HOST[:PORT]/DB[?sslmode=…&sslrootcert=…]`; user and
    /// password may be percent-encoded.
    public init(parsing text: String) throws(DatabaseURLError) {
        guard let components = URLComponents(string: text),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else {
            throw DatabaseURLError("the PostgreSQL URL is malformed; write postgres://USER[:PASS]@HOST[:PORT]/DB")
        }
        guard let user = components.user.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw DatabaseURLError("the PostgreSQL URL names no user; write postgres://USER[:PASS]@HOST[:PORT]/DB")
        }
        guard let host = components.host, !host.isEmpty else {
            throw DatabaseURLError("the PostgreSQL URL names no host; write postgres://USER[:PASS]@HOST[:PORT]/DB")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw DatabaseURLError("the PostgreSQL URL names no database; write postgres://USER[:PASS]@HOST[:PORT]/DB")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw DatabaseURLError("the PostgreSQL port must be 1 to 65535") }
        var sslMode = SSLMode.prefer
        var sslRootCert: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    throw DatabaseURLError(
                        "sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "sslrootcert": sslRootCert = item.value
            default:
                throw DatabaseURLError(
                    "the PostgreSQL URL parameter \(item.name) is not supported (sslmode, sslrootcert are)")
            }
        }
        self.user = user
        password = components.password.flatMap { $0.removingPercentEncoding }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        self.database = database.removingPercentEncoding ?? database
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
    }

    /// The URL with the password replaced by `••••`.
    public var description: String {
        let credentials = password == nil ? user : "\(user):••••"
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        var text = "postgres://\(credentials)@\(host):\(port)/\(database)"
        if sslMode != .prefer { text += "?sslmode=\(sslMode.rawValue)" }
        return text
    }
}
