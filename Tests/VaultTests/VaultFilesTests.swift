import Foundation
import OAuthCore
import Testing
import Vault

/// The vault on disk is private to its user, and a team's vault is always that team's.
struct VaultFilesTests {
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func aNewHomeIs0700AndTheVaultFilesAre0600() async throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-modes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: parent) }
        let home = KeyflowHome(directory: parent.appendingPathComponent("home"))
        let vault = try await Vault.open(home: home).vault
        // A write, so that SQLite has made its -wal and -shm files.
        let id = try await vault.add(
            kind: "custom-oauth2", name: "Files",
            input: ConnectionInput(text: [
                "clientID": "c", "authorizationURL": "https://a.example/a", "tokenURL": "https://a.example/t",
            ])
        ).id
        #expect(try await vault.connection(id).name == "Files")
        #expect(try Self.mode(home.directory.path) == 0o700)
        let files = try FileManager.default.contentsOfDirectory(atPath: home.directory.path).filter {
            $0.hasPrefix("vault.sqlite")
        }
        #expect(Set(files).isSuperset(of: ["vault.sqlite", "vault.sqlite-wal", "vault.sqlite-shm"]), "\(files)")
        for file in files {
            #expect(try Self.mode(home.directory.appendingPathComponent(file).path) == 0o600, "\(file)")
        }
        #expect(try Self.mode(home.masterKeyPath.path) == 0o600)
    }

    @Test func vaultFilesLeftWorldReadableByAnOlderVersionAreTightened() async throws {
        let home = try TestHome()
        _ = try await home.open()
        let path = home.home.vaultPath.path
        #expect(chmod(path, 0o644) == 0)
        _ = try await home.open()
        #expect(try Self.mode(path) == 0o600)
    }

    @Test func forTeamIsThatTeamEvenWhenReopeningWouldFail() async throws {
        let home = try TestHome()
        let vault = try await home.open()
        let id = try await vault.add(
            kind: "custom-oauth2", name: "Local",
            input: ConnectionInput(text: [
                "clientID": "c", "authorizationURL": "https://a.example/a", "tokenURL": "https://a.example/t",
            ])
        ).id
        // Another process (or a half-done rotation) leaves a row sealed under another master key:
        // opening a Vault on this store now throws. forTeam used to fall back to `self` then,
        // which handed team B the local team's vault.
        var row = try #require(try await vault.store.fetch(id: id, team: vault.team))
        let version = row.version
        row.keyID = "another-master-key"
        #expect(try await vault.store.replace(row, expectedVersion: version))
        await #expect(throws: VaultError.self) { try await home.open() }
        let other = vault.forTeam("b")
        #expect(other.team == "b")
        #expect(try await other.list().isEmpty)
    }
}
