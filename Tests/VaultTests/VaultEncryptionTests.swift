import Foundation
import GRDB
import OAuthCore
import Testing
import Vault

/// Sealing at rest: nothing readable on disk, rows bound to their owner, keys that must match.
struct VaultEncryptionTests {
    static let canary = "CANARY-s3cret-7f1d2c9e"

    static func addWithCanaries(_ vault: Vault) throws -> String {
        let id = try vault.add(kind: "custom-oauth2", name: "Canary", input: ConnectionInput(
            text: ["clientID": "app", "clientSecret": canary + "-client", "authorizationURL": "https://a.example/authorize",
                   "tokenURL": "https://a.example/token"])).id
        try vault.storeTokens(id, ConnectionTokens(accessToken: canary + "-access", refreshToken: canary + "-refresh"))
        try vault.setKey("API_KEY", value: canary + "-key")
        return id
    }

    @Test func theVaultFileHoldsNoPlaintextSecretsOrTokens() throws {
        let home = try TestHome()
        let vault = try home.open()
        let id = try Self.addWithCanaries(vault)
        #expect(try vault.tokens(of: id)?.refreshToken == Self.canary + "-refresh")
        let bytes = try home.vaultBytes()
        #expect(bytes.count > 4096)
        #expect(!bytes.contains("CANARY"))
        #expect(!bytes.contains(String(Self.canary.reversed())))
        #expect(bytes.contains("Canary"))  // the name is not secret: the grep does see plaintext
    }

    @Test func masterKeyFileIsCreatedWithMode0600() throws {
        let home = try TestHome()
        let opened = try Vault.open(home: home.home)
        #expect(opened.createdKeyFile == home.home.masterKeyPath)
        let attributes = try FileManager.default.attributesOfItem(atPath: home.home.masterKeyPath.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try Vault.open(home: home.home).createdKeyFile == nil)
    }

    @Test func aSealedValueCopiedOntoAnotherConnectionDoesNotOpen() throws {
        let home = try TestHome()
        let vault = try home.open()
        let victim = try Self.addWithCanaries(vault)
        let attacker = try vault.add(kind: "custom-oauth2", name: "Other", input: ConnectionInput(
            text: ["clientID": "x", "authorizationURL": "https://a.example/a", "tokenURL": "https://a.example/t"])).id
        let database = try DatabaseQueue(path: home.home.vaultPath.path)
        // Copy the sealed tokens alone, then with the wrapped data key too.
        try database.write { db in
            try db.execute(sql: "UPDATE connections SET tokens = (SELECT tokens FROM connections WHERE id = ?), status = 'ready' WHERE id = ?",
                           arguments: [victim, attacker])
        }
        #expect(throws: VaultError.sealedDataDoesNotOpen(attacker)) { try vault.tokens(of: attacker) }
        try database.write { db in
            try db.execute(sql: "UPDATE connections SET wrapped_key = (SELECT wrapped_key FROM connections WHERE id = ?) WHERE id = ?",
                           arguments: [victim, attacker])
        }
        #expect(throws: VaultError.sealedDataDoesNotOpen(attacker)) { try vault.tokens(of: attacker) }
        #expect(throws: VaultError.sealedDataDoesNotOpen(attacker)) { try vault.secrets(of: attacker) }
        // The victim still opens.
        #expect(try vault.tokens(of: victim)?.accessToken == Self.canary + "-access")
    }

    @Test func aWrongOrMissingMasterKeyIsAClearErrorAndChangesNothing() throws {
        let home = try TestHome()
        _ = try Self.addWithCanaries(try home.open())
        let snapshot = { try DatabaseQueue(path: home.home.vaultPath.path).read { db in
            try Row.fetchAll(db, sql: "SELECT id, version, tokens, wrapped_key FROM connections").map(\.description) } }
        let before = try snapshot()
        let wrongHome = KeyflowHome(directory: home.directory, masterKeyFromEnvironment: Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())
        let error = #expect(throws: VaultError.self) { try Vault.open(home: wrongHome) }
        #expect(error?.message.contains("is not the one this vault was sealed with") == true)
        #expect(throws: VaultError.self) { try Vault.open(home: KeyflowHome(directory: home.directory, masterKeyFromEnvironment: "not base64!")) }
        try FileManager.default.removeItem(at: home.home.masterKeyPath)
        let missing = #expect(throws: VaultError.self) { try Vault.open(home: home.home) }
        #expect(missing?.message.contains("no master key") == true)
        #expect(!FileManager.default.fileExists(atPath: home.home.masterKeyPath.path))  // not silently re-created
        #expect(try snapshot() == before)
    }

    @Test func rotateKeyRewrapsEverythingInOneTransaction() throws {
        let home = try TestHome()
        let vault = try home.open()
        let id = try Self.addWithCanaries(vault)
        let oldKey = try Data(contentsOf: home.home.masterKeyPath)
        try MasterKey.rotateFile(home: home.home, to: MasterKey.generate()) { key throws(VaultError) in try vault.rewrapAll(with: key) }
        #expect(try Data(contentsOf: home.home.masterKeyPath) != oldKey)
        let reopened = try home.open()
        #expect(try reopened.tokens(of: id)?.accessToken == Self.canary + "-access")
        #expect(try reopened.keyValue("API_KEY") == Self.canary + "-key")
        let oldHome = KeyflowHome(directory: home.directory, masterKeyFromEnvironment: String(decoding: oldKey, as: UTF8.self))
        #expect(throws: VaultError.self) { try Vault.open(home: oldHome) }
    }

    @Test func aFailedRotationLeavesTheOldKeyWorking() throws {
        let home = try TestHome()
        let vault = try home.open()
        let id = try Self.addWithCanaries(vault)
        #expect(throws: VaultError.self) {
            try MasterKey.rotateFile(home: home.home, to: MasterKey.generate()) { _ throws(VaultError) in throw .storage("disk full") }
        }
        #expect(try home.open().tokens(of: id)?.accessToken == Self.canary + "-access")
        #expect(!FileManager.default.fileExists(atPath: home.directory.appendingPathComponent("master.key.new").path))
    }

    @Test func vaultKeysAreSealedAndListedByNameOnly() throws {
        let vault = try TestHome().open()
        try vault.setKey("OPENAI_KEY", value: "sk-1")
        try vault.setKey("OPENAI_KEY", value: "sk-2")
        try vault.setKey("B.key-2", value: "v")
        #expect(try vault.keyNames() == ["B.key-2", "OPENAI_KEY"])
        #expect(try vault.keyValue("OPENAI_KEY") == "sk-2")
        #expect(throws: VaultError.self) { try vault.setKey("bad name!", value: "x") }
        try vault.removeKey("B.key-2")
        #expect(throws: VaultError.notFound("vault key B.key-2")) { try vault.removeKey("B.key-2") }
    }

    @Test func smythOSVaultFilesImportAllOrNothing() throws {
        let vault = try TestHome().open()
        let file = Data(#"{"team-9": {"SLACK_TOKEN": "xoxb-1", "GITHUB": "ghp-2"}}"#.utf8)
        #expect(try vault.importKeys(json: file) == ["GITHUB", "SLACK_TOKEN"])
        #expect(try vault.keyValue("SLACK_TOKEN") == "xoxb-1")
        let twoTeams = Data(#"{"a": {"X": "1"}, "b": {"Y": "2"}}"#.utf8)
        #expect(throws: VaultError.self) { try vault.importKeys(json: twoTeams) }
        #expect(try vault.importKeys(json: twoTeams, fromTeam: "b") == ["Y"])
        let bad = Data(#"{"t": {"OK": "1", "NUM": 5}}"#.utf8)
        #expect(throws: VaultError.invalidInput(["t.NUM: the value is not a string"])) { try vault.importKeys(json: bad) }
        #expect(try vault.keyValue("OK") == nil)
        #expect(throws: VaultError.self) { try vault.importKeys(json: Data("[1,2]".utf8)) }
    }
}
