import Foundation

/// Where a vault's store is: `sqlite:PATH` (the embedded default) or a PostgreSQL URL,
/// `postgres://USER[:PASS]@HOST[:PORT]/DB[?sslmode=…&sslrootcert=PATH]`. Its description
/// masks the password, so a URL can be printed and logged.
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    /// An SQLite file.
    case sqlite(URL)
    /// A PostgreSQL database.
    case postgres(PostgresURL)

    /// Parses `text`; the error says what is wrong without repeating a password.
    public init(parsing text: String) throws(DatabaseURLError) {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }  // sqlite:///abs/path
            guard !path.isEmpty else {
                throw DatabaseURLError("sqlite: needs a file path, as in sqlite:/var/lib/keyflow/vault.sqlite")
            }
            self = .sqlite(URL(fileURLWithPath: (path as NSString).expandingTildeInPath))
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresURL(parsing: text))
        } else {
            throw DatabaseURLError(
                "a database URL starts with postgres:// or sqlite: (got \(DatabaseURLError.scheme(of: text)))")
        }
    }

    /// The URL with its password masked.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path.path)"
        case .postgres(let url): return url.description
        }
    }
}

/// A database URL that cannot be used; the message never holds the password.
public struct DatabaseURLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public let description: String

    init(_ description: String) { self.description = description }

    /// The scheme of `text` only (never the rest, which may hold a password).
    static func scheme(of text: String) -> String {
        guard let colon = text.firstIndex(of: ":") else { return "no scheme" }
        let scheme = text[..<colon]
        return scheme.count <= 20 && scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" })
            ? "\(scheme):" : "an unknown scheme"
    }
}
