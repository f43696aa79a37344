import Foundation

/// Where Keyflow keeps its state: `KEYFLOW_HOME` (default `~/.keyflow`). How it is reached
/// from outside (`KEYFLOW_PUBLIC_URL`) is the server's business: `PublicURL` in Accounts.
public struct KeyflowHome: Sendable {
    /// The directory holding `vault.sqlite` and `master.key`.
    public let directory: URL
    /// `KEYFLOW_MASTER_KEY`, when set.
    public let masterKeyFromEnvironment: String?

    /// The home in `directory`, with the master key from the environment if one is given.
    public init(directory: URL, masterKeyFromEnvironment: String? = nil) {
        self.directory = directory
        self.masterKeyFromEnvironment = masterKeyFromEnvironment
    }

    /// Reads the environment the way every command does.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> KeyflowHome
    {
        let directory: URL
        if let home = environment["KEYFLOW_HOME"], !home.isEmpty {
            directory = URL(fileURLWithPath: (home as NSString).expandingTildeInPath)
        } else {
            directory = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".keyflow")
        }
        return KeyflowHome(
            directory: directory,
            masterKeyFromEnvironment: environment["KEYFLOW_MASTER_KEY"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The vault's SQLite database.
    public var vaultPath: URL { directory.appendingPathComponent("vault.sqlite") }
    /// The master key file, used when `KEYFLOW_MASTER_KEY` is not set.
    public var masterKeyPath: URL { directory.appendingPathComponent("master.key") }

    /// Creates the directory with mode 0700 if it does not exist (an existing directory keeps
    /// its mode: it may be one the user shares on purpose; the files in it are 0600 anyway).
    public func ensureDirectory() throws {
        try Self.createPrivateDirectory(directory)
    }

    /// Creates `directory` (and missing parents) if it does not exist, then sets the directory
    /// itself to 0700 whatever the umask did.
    static func createPrivateDirectory(_ directory: URL) throws {
        guard !FileManager.default.fileExists(atPath: directory.path) else { return }
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
    }
}
