import Crypto
import Foundation
import OAuthCore

/// The key that wraps every connection's data key. It comes from `KEYFLOW_MASTER_KEY`
/// (base64 of 32 bytes) or from `$KEYFLOW_HOME/master.key`, created on first use with mode
/// 0600. It is never printed; its id (a hash prefix) is stored with each wrapped key so a
/// wrong key is recognised before anything is decrypted.
public struct MasterKey: Sendable {
    let key: SymmetricKey
    /// 16 hex digits of SHA-256 over a label and the key: names the key, reveals nothing.
    public let id: String

    /// Wraps raw key bytes (32 of them).
    public init(bytes: [UInt8]) throws(VaultError) {
        guard bytes.count == 32 else {
            throw .masterKey("a master key must be 32 bytes (base64 of 32 random bytes), not \(bytes.count)")
        }
        key = SymmetricKey(data: bytes)
        id = Self.keyID(bytes)
    }

    /// Parses base64 text (whitespace around it is ignored).
    public init(base64 text: String, source: String) throws(VaultError) {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw .masterKey("\(source) is not base64")
        }
        do { try self.init(bytes: Array(data)) } catch { throw .masterKey("\(source): \(error.message)") }
    }

    /// 32 bytes from the system's secure generator.
    public static func generate() -> MasterKey {
        let bytes = SecureRandom.bytes(32)
        // 32 bytes always make a key.
        return (try? MasterKey(bytes: bytes)) ?? MasterKey(unchecked: bytes)
    }

    private init(unchecked bytes: [UInt8]) {
        key = SymmetricKey(data: bytes)
        id = Self.keyID(bytes)
    }

    /// The key as base64, for writing the key file.
    var base64: String { key.withUnsafeBytes { Data($0).base64EncodedString() } }

    static func keyID(_ bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: Array("keyflow master key id".utf8) + bytes)
        return digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// Where the master key comes from and whether it was just created.
    public struct Loaded: Sendable {
        /// The master key.
        public let key: MasterKey
        /// Set when the key file did not exist and was created now: tell the user to back it up.
        public let createdAt: URL?
    }

    /// Loads the key from the environment or the home's key file, creating the file when
    /// `create` is true and neither exists.
    public static func load(home: KeyflowHome, create: Bool) throws(VaultError) -> Loaded {
        if let text = home.masterKeyFromEnvironment {
            return Loaded(key: try MasterKey(base64: text, source: "KEYFLOW_MASTER_KEY"), createdAt: nil)
        }
        let path = home.masterKeyPath
        if let data = FileManager.default.contents(atPath: path.path) {
            return Loaded(
                key: try MasterKey(base64: String(decoding: data, as: UTF8.self), source: path.path), createdAt: nil)
        }
        guard create else {
            throw .masterKey("no master key: set KEYFLOW_MASTER_KEY or restore \(path.path)")
        }
        let key = generate()
        do {
            try home.ensureDirectory()
            try write(key, to: path)
        } catch {
            throw .masterKey("cannot create \(path.path): \(error)")
        }
        return Loaded(key: key, createdAt: path)
    }

    /// `master.key.new`: written by `rotate-key` before it re-wraps the vault.
    static func pendingPath(home: KeyflowHome) -> URL {
        home.directory.appendingPathComponent("master.key.new")
    }

    /// The key of a rotation that committed but did not get to rename its key file.
    static func pendingRotation(home: KeyflowHome) -> MasterKey? {
        guard let data = FileManager.default.contents(atPath: pendingPath(home: home).path) else { return nil }
        return try? MasterKey(base64: String(decoding: data, as: UTF8.self), source: "master.key.new")
    }

    /// Moves `master.key.new` over `master.key`.
    static func finishRotation(home: KeyflowHome) throws(VaultError) {
        if rename(pendingPath(home: home).path, home.masterKeyPath.path) != 0 {
            throw .masterKey("cannot move \(pendingPath(home: home).path) to \(home.masterKeyPath.path)")
        }
    }

    /// Rotates the key file: writes the new key beside the old one, lets `rewrap` re-wrap every
    /// data key in one transaction, then moves the new key into place. A failure before the
    /// commit leaves the old key in use; a crash after it is finished by the next `Vault.open`.
    public static func rotateFile(
        home: KeyflowHome, to newKey: MasterKey,
        rewrap: (MasterKey) async throws(VaultError) -> Void
    ) async throws(VaultError) {
        let pending = pendingPath(home: home)
        do { try write(newKey, to: pending) } catch { throw .masterKey("cannot write \(pending.path): \(error)") }
        do {
            try await rewrap(newKey)
        } catch {
            try? FileManager.default.removeItem(at: pending)
            throw error
        }
        try finishRotation(home: home)
    }

    /// Writes the key file with mode 0600, atomically (a temporary file, then a rename).
    static func write(_ key: MasterKey, to path: URL) throws {
        let temporary = path.deletingLastPathComponent().appendingPathComponent(
            ".\(path.lastPathComponent).\(UUID().uuidString)")
        guard
            FileManager.default.createFile(
                atPath: temporary.path, contents: Data((key.base64 + "\n").utf8),
                attributes: [.posixPermissions: 0o600])
        else {
            throw VaultError.masterKey("cannot write \(temporary.path)")
        }
        if rename(temporary.path, path.path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            throw VaultError.masterKey("cannot move the new key to \(path.path)")
        }
    }
}
