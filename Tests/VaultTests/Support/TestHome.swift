import Foundation
import OAuthCore
import TestSupport
import Vault

/// A throwaway KEYFLOW_HOME for one test, removed when the test is done.
final class TestHome: @unchecked Sendable {
    let directory: URL
    let home: KeyflowHome
    /// `KEYFLOW_PUBLIC_URL` of the `keyflow` processes run on this home.
    let publicURL: String

    /// The callback URLs of the default public URL, for flows run in the test's own process.
    static let callbacks = CallbackURLs(base: "http://127.0.0.1:8787")

    init(publicURL: String = "http://127.0.0.1:8787", masterKey: String? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        home = KeyflowHome(directory: directory, masterKeyFromEnvironment: masterKey)
        self.publicURL = publicURL
    }

    /// The home's vault. The vault keeps this home (and so its directory) alive: tests write
    /// `TestHome().open()`, and a directory removed under an open vault fails the next database
    /// connection GRDB opens (a second reader, when the audit or health recorder reads at the
    /// same time as the test).
    func open(team: String = Vault.localTeam) async throws -> Vault {
        let vault = try await Vault.open(home: home, team: team).vault
        vault.events.add(Keeper(home: self))
        return vault
    }

    /// Holds the home for as long as the vault's events live; takes no events.
    private struct Keeper: VaultEventSink {
        let home: TestHome
        func record(_ event: VaultEvent) async {}
        func flush() async {}
    }

    /// The environment a `keyflow` process needs to use this home.
    var environment: [String: String] {
        var environment = ["KEYFLOW_HOME": directory.path, "KEYFLOW_PUBLIC_URL": publicURL]
        if let key = home.masterKeyFromEnvironment { environment["KEYFLOW_MASTER_KEY"] = key }
        return environment
    }

    /// Every byte the vault has on disk (database, WAL, shared memory), for grepping.
    func vaultBytes() throws -> Data {
        var data = Data()
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path)
        where name.hasPrefix("vault.sqlite") {
            data.append(try Data(contentsOf: directory.appendingPathComponent(name)))
        }
        return data
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}

/// Adds a custom OAuth 2.0 connection pointed at an Authlib peer, with one of its built-in clients.
func addPeerConnection(
    _ vault: Vault, peer: PeerServer, clientID: String = "confidential-basic",
    secret: String = "secret-basic", scopes: [String]? = nil
) async throws -> String {
    try await vault.add(
        kind: "custom-oauth2", name: "Peer",
        input: ConnectionInput(
            text: [
                "clientID": clientID, "clientSecret": secret, "authorizationURL": peer.baseURL + "/authorize",
                "tokenURL": peer.baseURL + "/token", "revocationURL": peer.baseURL + "/revoke",
            ], scopes: scopes)
    ).id
}

extension Data {
    func contains(_ text: String) -> Bool {
        range(of: Data(text.utf8)) != nil
    }
}
