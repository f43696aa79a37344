import Foundation

/// Where Keyflow keeps its state and how it is reached from outside: `KEYFLOW_HOME`
/// (default `~/.keyflow`) and `KEYFLOW_PUBLIC_URL` (default `http://127.0.0.1:8787`).
public struct KeyflowHome: Sendable {
    /// The directory holding `vault.sqlite` and `master.key`.
    public let directory: URL
    /// The base URL providers redirect users back to.
    public let publicURL: String
    /// `KEYFLOW_MASTER_KEY`, when set.
    public let masterKeyFromEnvironment: String?

    /// The public URL when `KEYFLOW_PUBLIC_URL` is not set: `keyflow serve` on loopback.
    public static let defaultPublicURL = "http://127.0.0.1:8787"
    /// The path of the OAuth 2.0 callback, under the public URL.
    public static let oauth2CallbackPath = "/oauth/oauth2/callback"
    /// The path of the OAuth 1.0a callback, under the public URL.
    public static let oauth1CallbackPath = "/oauth/oauth1/callback"

    /// A home in `directory`, reached at `publicURL` (a trailing `/` is dropped).
    public init(directory: URL, publicURL: String = KeyflowHome.defaultPublicURL, masterKeyFromEnvironment: String? = nil) {
        self.directory = directory
        var publicURL = publicURL
        while publicURL.hasSuffix("/") { publicURL.removeLast() }
        self.publicURL = publicURL
        self.masterKeyFromEnvironment = masterKeyFromEnvironment
    }

    /// Reads the environment the way every command does.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> KeyflowHome {
        let directory: URL
        if let home = environment["KEYFLOW_HOME"], !home.isEmpty {
            directory = URL(fileURLWithPath: (home as NSString).expandingTildeInPath)
        } else {
            directory = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".keyflow")
        }
        let publicURL = environment["KEYFLOW_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultPublicURL
        return KeyflowHome(directory: directory, publicURL: publicURL,
                           masterKeyFromEnvironment: environment["KEYFLOW_MASTER_KEY"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The vault's SQLite database.
    public var vaultPath: URL { directory.appendingPathComponent("vault.sqlite") }
    /// The master key file, used when `KEYFLOW_MASTER_KEY` is not set.
    public var masterKeyPath: URL { directory.appendingPathComponent("master.key") }

    /// The redirect URI to register at OAuth 2.0 providers.
    public var oauth2CallbackURL: String { publicURL + Self.oauth2CallbackPath }
    /// The callback URL for OAuth 1.0a providers.
    public var oauth1CallbackURL: String { publicURL + Self.oauth1CallbackPath }

    /// Creates the directory with mode 0700 if it does not exist (an existing directory keeps
    /// its mode: it may be one the user shares on purpose; the files in it are 0600 anyway).
    public func ensureDirectory() throws {
        try Self.createPrivateDirectory(directory)
    }

    /// Creates `directory` (and missing parents) if it does not exist, then sets the directory
    /// itself to 0700 whatever the umask did.
    static func createPrivateDirectory(_ directory: URL) throws {
        guard !FileManager.default.fileExists(atPath: directory.path) else { return }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
    }
}
