import Foundation
import GRDB
import OAuthCore
import Testing
import Vault

/// Sealing at rest: nothing readable on disk, rows bound to their owner, keys that must match.
struct VaultEncryptionTests {
    static let canary = "CANARY-s3cret-7f1d2c9e"

    static func addWithCanaries(_ vault: Vault) async throws -> String {
        let id = try await vault.add(
            kind: "custom-oauth2", name: "Canary",
            input: ConnectionInput(
                text: [
                    "clientID": "app", "clientSecret": canary + "-client",
                    "authorizationURL": "https://a.example/authorize",
                    "tokenURL": "https://a.example/token",
                ])
        ).id
        try await vault.storeTokens(
            id, ConnectionTokens(accessToken: canary + "-access", refreshToken: canary + "-refresh"))
        try await vault.setKey("API_KEY", value: canary + "-key")
        return id
    }

    @Test func theVaultFileHoldsNoPlaintextSecretsOrTokens() async throws {
        let home = try TestHome()
        let vault = try await home.open()
        let id = try await Self.addWithCanaries(vault)
        #expect(try await vault.tokens(of: id)?.refreshToken == Self.canary + "-refresh")
        let bytes = try home.vaultBytes()
        #expect(bytes.count > 4096)
        #expect(!bytes.contains("CANARY"))
        #expect(!bytes.contains(String(Self.canary.reversed())))
        #expect(bytes.contains("Canary"))  // the name is not secret: the grep does see plaintext
    }

    @Test func masterKeyFileIsCreatedWithMode0600() async throws {
        let home = try TestHome()
        let opened = try await Vault.open(home: home.home)
        #expect(opened.createdKeyFile == home.home.masterKeyPath)
        let attributes = try FileManager.default.attributesOfItem(atPath: home.home.masterKeyPath.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try await Vault.open(home: home.home).createdKeyFile == nil)
    }

    @Test func aSealedValueCopiedOntoAnotherConnectionDoesNotOpen() async throws {
        let home = try TestHome()
        let vault = try await home.open()
        let victim = try await Self.addWithCanaries(vault)
        let attacker = try await vault.add(
            kind: "custom-oauth2", name: "Other",
            input: ConnectionInput(
                text: ["clientID": "x", "authorizationURL": "https://a.example/a", "tokenURL": "https://a.example/t"])
        ).id
        let database = try DatabaseQueue(path: home.home.vaultPath.path)
        // Copy the sealed tokens alone, then with the wrapped data key too.
        try await database.write { db in
            try db.execute(
                sql:
                    "UPDATE connections SET tokens = (SELECT tokens FROM connections WHERE id = ?), status = 'ready' WHERE id = ?",
                arguments: [victim, attacker])
        }
        await #expect(throws: VaultError.sealedDataDoesNotOpen(attacker)) { try await vault.tokens(of: attacker) }
        try await database.write { db in
            try db.execute(
                sql:
                    "UPDATE connections SET wrapped_key = (SELECT wrapped_key FROM connections WHERE id = ?) WHERE id = ?",
                arguments: [victim, attacker])
        }
        await #expect(throws: VaultError.sealedDataDoesNotOpen(attacker)) { try await vault.tokens(of: attacker) }
        await #expect(throws: VaultError.sealedDataDoesNotOpen(attacker)) { try await vault.secrets(of: attacker) }
        // The victim still opens.
        #expect(try await vault.tokens(of: victim)?.accessToken == Self.canary + "-access")
    }

    @Test func aWrongOrMissingMasterKeyIsAClearErrorAndChangesNothing() async throws {
        let home = try TestHome()
        _ = try await Self.addWithCanaries(try await home.open())
        let snapshot = {
            try DatabaseQueue(path: home.home.vaultPath.path).read { db in
                try Row.fetchAll(db, sql: "SELECT id, version, tokens, wrapped_key FROM connections").map(\.description)
            }
        }
        let before = try snapshot()
        let wrongHome = KeyflowHome(
            directory: home.directory,
            masterKeyFromEnvironment: Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())
        let error = await #expect(throws: VaultError.self) { try await Vault.open(home: wrongHome) }
        #expect(error?.message.contains("is not the one this vault was sealed with") == true)
        await #expect(throws: VaultError.self) {
            try await Vault.open(home: KeyflowHome(directory: home.directory, masterKeyFromEnvironment: "not base64!"))
        }
        try FileManager.default.removeItem(at: home.home.masterKeyPath)
        let missing = await #expect(throws: VaultError.self) { try await Vault.open(home: home.home) }
        #expect(missing?.message.contains("no master key") == true)
        #expect(!FileManager.default.fileExists(atPath: home.home.masterKeyPath.path))  // not silently re-created
        #expect(try snapshot() == before)
    }

    @Test func rotateKeyRewrapsEverythingInOneTransaction() async throws {
        let home = try TestHome()
        let vault = try await home.open()
        let id = try await Self.addWithCanaries(vault)
        let oldKey = try Data(contentsOf: home.home.masterKeyPath)
        try await MasterKey.rotateFile(home: home.home, to: MasterKey.generate()) { key throws(VaultError) in
            try await vault.rewrapAll(with: key)
        }
        #expect(try Data(contentsOf: home.home.masterKeyPath) != oldKey)
        let reopened = try await home.open()
        #expect(try await reopened.tokens(of: id)?.accessToken == Self.canary + "-access")
        #expect(try await reopened.keyValue("API_KEY") == Self.canary + "-key")
        let oldHome = KeyflowHome(
            directory: home.directory, masterKeyFromEnvironment: String(decoding: oldKey, as: UTF8.self))
        await #expect(throws: VaultError.self) { try await Vault.open(home: oldHome) }
    }

    @Test func aFailedRotationLeavesTheOldKeyWorking() async throws {
        let home = try TestHome()
        let vault = try await home.open()
        let id = try await Self.addWithCanaries(vault)
        await #expect(throws: VaultError.self) {
            try await MasterKey.rotateFile(home: home.home, to: MasterKey.generate()) { _ throws(VaultError) in
                throw .storage("disk full")
            }
        }
        #expect(try await home.open().tokens(of: id)?.accessToken == Self.canary + "-access")
        #expect(!FileManager.default.fileExists(atPath: home.directory.appendingPathComponent("master.key.new").path))
    }

    @Test func vaultKeysAreSealedAndListedByNameOnly() async throws {
        let vault = try await TestHome().open()
        try await vault.setKey("OPENAI_KEY", value: "sk-1")
        try await vault.setKey("OPENAI_KEY", value: "sk-2")
        try await vault.setKey("B.key-2", value: "v")
        #expect(try await vault.keyNames() == ["B.key-2", "OPENAI_KEY"])
        #expect(try await vault.keyValue("OPENAI_KEY") == "sk-2")
        await #expect(throws: VaultError.self) { try await vault.setKey("bad name!", value: "x") }
        try await vault.removeKey("B.key-2")
        await #expect(throws: VaultError.notFound("vault key B.key-2")) { try await vault.removeKey("B.key-2") }
    }

    @Test func smythOSVaultFilesImportAllOrNothing() async throws {
        let vault = try await TestHome().open()
        let file = Data(#"{"team-9": {"SLACK_TOKEN": "xoxb-1", "GITHUB": "ghp-2"}}"#.utf8)
        #expect(try await vault.importKeys(json: file) == ["GITHUB", "SLACK_TOKEN"])
        #expect(try await vault.keyValue("SLACK_TOKEN") == "xoxb-1")
        let twoTeams = Data(#"{"a": {"X": "1"}, "b": {"Y": "2"}}"#.utf8)
        // The Vault lists the teams in its own words; choosing one is the caller's (the CLI's flag).
        await #expect(throws: VaultError.ambiguous(.vaultFileTeams(["a", "b"]))) {
            try await vault.importKeys(json: twoTeams)
        }
        #expect(!VaultError.ambiguous(.vaultFileTeams(["a", "b"])).message.contains("--"))
        #expect(try await vault.importKeys(json: twoTeams, fromTeam: "b") == ["Y"])
        let bad = Data(#"{"t": {"OK": "1", "NUM": 5}}"#.utf8)
        await #expect(throws: VaultError.invalidInput(["t.NUM: the value is not a string"])) {
            try await vault.importKeys(json: bad)
        }
        #expect(try await vault.keyValue("OK") == nil)
        await #expect(throws: VaultError.self) { try await vault.importKeys(json: Data("[1,2]".utf8)) }
    }
}
