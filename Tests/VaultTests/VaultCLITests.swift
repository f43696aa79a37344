import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// The `keyflow vault` commands as a new user runs them, with a canary secret that must
/// never appear in any output.
struct VaultCLITests {
    static let canary = "CANARY-9d8e7f6a5b4c3d2e1f"

    static func run(_ home: TestHome, _ arguments: [String], stdin: String? = nil) throws -> KeyflowCLI.Result {
        let result = try KeyflowCLI.run(["vault"] + arguments, stdin: stdin, environment: home.environment)
        #expect(
            !result.stdout.contains(canary) && !result.stderr.contains(canary),
            "the canary leaked from vault \(arguments.joined(separator: " "))")
        return result
    }

    static func add(_ home: TestHome, extra: [String] = []) throws -> String {
        let result = try run(
            home,
            [
                "add", "custom-oauth2", "--name", "Canary", "--client-id", "app", "--client-secret", "-",
                "--authorization-url", "https://auth.example/authorize", "--token-url", "https://auth.example/token",
            ] + extra,
            stdin: canary + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        return String(result.stdout.split(separator: "\n").first ?? "")
    }

    @Test func addPrintsTheIDFirstAndSecretsNeverShow() async throws {
        let home = try TestHome()
        let id = try Self.add(home)
        #expect(id.hasPrefix("kc_"))
        let vault = try await home.open()
        #expect(try await vault.secrets(of: id).clientSecret == Self.canary)  // read from stdin
        try await vault.storeTokens(
            id, ConnectionTokens(accessToken: Self.canary + "-at", refreshToken: Self.canary + "-rt"))

        let show = try Self.run(home, ["show", id])
        #expect(show.status == 0)
        #expect(
            show.stdout.contains("Client secret          ••••3d2e1f".replacingOccurrences(of: "3d2e1f", with: "2e1f")))
        #expect(
            show.stdout.contains(
                "Callback URL           http://127.0.0.1:8787/oauth/oauth2/callback (copy this into your provider's allowed redirect URIs)"
            ))
        #expect(show.stdout.contains("Refresh token          ••••"))
        let json =
            try JSONSerialization.jsonObject(with: Data(try Self.run(home, ["show", id, "--json"]).stdout.utf8))
            as? [String: Any]
        #expect(json?["id"] as? String == id && json?["status"] as? String == "ready")
        #expect((json?["secrets"] as? [String: Any])?["client_secret"] as? String == "••••2e1f")
        let list = try Self.run(home, ["list"])
        #expect(list.stdout.contains(id) && list.stdout.contains("ready"))
        let listJSON =
            try JSONSerialization.jsonObject(with: Data(try Self.run(home, ["list", "--json"]).stdout.utf8))
            as? [[String: Any]]
        #expect(listJSON?.first?["name"] as? String == "Canary")
        let added =
            try JSONSerialization.jsonObject(
                with: Data(
                    try Self.run(
                        home,
                        [
                            "add", "client-credentials", "--name", "CC", "--client-id", "c",
                            "--client-secret", "-", "--token-url", "https://a.example/t", "--json",
                        ],
                        stdin: Self.canary + "\n"
                    ).stdout.utf8)) as? [String: Any]
        #expect(added?["kind"] as? String == "client-credentials")
        #expect(try Self.run(home, ["providers", "--json"]).stdout.contains("\"x-oauth1\""))
    }

    @Test func badInputListsEveryProblemExitsTwoAndKeepsData() async throws {
        let home = try TestHome()
        let id = try Self.add(home)
        let missing = try Self.run(home, ["add", "custom-oauth1", "--name", "X", "--client-secret", Self.canary])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("--request-token-url, --access-token-url, --user-auth-url, --consumer-key"))
        #expect(missing.stderr.contains("--client-secret does not apply"))
        #expect(try Self.run(home, ["show", "kc_nope"]).status == 2)
        // The Vault's typed problem is named by the flag that sets the field.
        let badURL = try Self.run(home, ["edit", id, "--token-url", "nope"])
        #expect(badURL.status == 2 && badURL.stderr.contains("--token-url: "), "\(badURL.stderr)")
        #expect(!badURL.stderr.contains("tokenURL"), "\(badURL.stderr)")
        await #expect(try home.open().connection(id).settings.tokenURL == "https://auth.example/token")
        #expect(try Self.run(home, ["edit", id]).status == 2)
    }

    @Test func editDuplicateRemoveAndSignout() async throws {
        let home = try TestHome()
        let id = try Self.add(home)
        try await home.open().storeTokens(id, ConnectionTokens(accessToken: "at", refreshToken: "rt"))
        let renamed = try Self.run(home, ["edit", id, "--name", "Renamed"])
        #expect(renamed.status == 0 && !renamed.stdout.contains("signed out"))
        let rescoped = try Self.run(home, ["edit", id, "--scopes", "read"])
        #expect(rescoped.stdout.contains("signed out"))
        let duplicate = try Self.run(home, ["duplicate", id])
        let copy = String(duplicate.stdout.split(separator: "\n").first ?? "")
        #expect(try await home.open().connection(copy).name == "Renamed (copy)")
        try await home.open().storeTokens(id, ConnectionTokens(accessToken: "at", refreshToken: "rt"))
        let signout = try Self.run(home, ["signout", id])
        #expect(signout.status == 0 && signout.stdout.contains("needs-auth"))
        #expect(signout.stdout.contains("no revocation endpoint"))
        #expect(try Self.run(home, ["remove", copy]).status == 0)
        #expect(try await home.open().list().map(\.id) == [id])
    }

    @Test func authThroughTheCallbackListenerAsAUserWithAnHTTPClient() async throws {
        let peer = try PeerServer(script: "authlib_server.py")
        defer { peer.stop() }
        let port = try SilentListener().closeAndReturnPort()
        let home = try TestHome(publicURL: "http://127.0.0.1:\(port)")
        let id = try await home.open().add(
            kind: "x-oauth2", name: "X",
            input: ConnectionInput(
                text: [
                    "clientID": "pkce-client", "clientSecret": Self.canary,
                    "authorizationURL": peer.baseURL + "/authorize",
                    "tokenURL": peer.baseURL + "/token",
                ], scopes: ["read"])
        ).id
        try await { () async throws in
            // Let the peer accept our canary as pkce-client's secret.
            let transport = AsyncHTTPTransport()
            defer { Task { try? await transport.shutdown() } }
            let record = try JSONSerialization.data(
                withJSONObject: [
                    "client_id": "pkce-client", "client_secret": Self.canary,
                    "token_endpoint_auth_method": "client_secret_basic",
                    "redirect_uris": ["loopback"], "grant_types": ["authorization_code", "refresh_token"],
                    "scope": "read write profile",
                    "pkce_required": true,
                ] as [String: Any])
            _ = try await transport.send(
                HTTPTransportRequest(
                    method: "POST", url: peer.baseURL + "/admin/clients",
                    headers: [("Content-Type", "application/json")], body: Array(record)),
                timeout: .seconds(5))
        }()

        let process = Process()
        process.executableURL = KeyflowCLI.executable
        process.arguments = ["vault", "auth", id, "--no-browser", "--timeout", "30"]
        process.environment = ProcessInfo.processInfo.environment.merging(home.environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Read until the URL line.
        var text = ""
        while !text.contains("\nhttp") || !text.hasSuffix("\n") || !text.contains("Waiting") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let url = try #require(text.split(separator: "\n").first { $0.hasPrefix("http") }.map(String.init))
        #expect(url.hasPrefix(peer.baseURL + "/authorize?"))
        // The user approves; the browser follows the redirect to the listener.
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let location = try await ConsentPage.decide(url, using: transport)
        #expect(location.hasPrefix("http://127.0.0.1:\(port)/oauth/oauth2/callback?"))
        let page = try await transport.send(HTTPTransportRequest(method: "GET", url: location), timeout: .seconds(10))
        #expect(page.status == 200 && String(decoding: page.body, as: UTF8.self).contains("Connected"))
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        text += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("Connected \"X\""))
        #expect(!text.contains(Self.canary))
        #expect(try await home.open().connection(id).status == .ready)
    }

    @Test func authTimesOutWithoutChangingAnything() async throws {
        let port = try SilentListener().closeAndReturnPort()
        let home = try TestHome(publicURL: "http://127.0.0.1:\(port)")
        let id = try await home.open().add(
            kind: "custom-oauth2", name: "A",
            input: ConnectionInput(
                text: [
                    "clientID": "c", "authorizationURL": "https://auth.example/authorize",
                    "tokenURL": "https://auth.example/token",
                ])
        ).id
        let before = try await home.open().connection(id)
        let result = try Self.run(home, ["auth", id, "--no-browser", "--timeout", "1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no login callback arrived within 1 seconds"))
        #expect(result.stdout.contains("https://auth.example/authorize?"))
        #expect(try await home.open().connection(id) == before)
    }

    @Test func keysSetListImportAndRemove() async throws {
        let home = try TestHome()
        #expect(try Self.run(home, ["keys", "set", "SLACK"], stdin: Self.canary + "\n").status == 0)
        let file = home.directory.appendingPathComponent("smyth-vault.json")
        try Data(#"{"team-1": {"GITHUB": "ghp_\#(Self.canary)"}}"#.utf8).write(to: file)
        let imported = try Self.run(home, ["keys", "import", file.path])
        #expect(imported.status == 0 && imported.stdout.contains("Imported 1 key: GITHUB"))
        #expect(try Self.run(home, ["keys", "list"]).stdout == "GITHUB\nSLACK\n")
        #expect(try await home.open().keyValue("SLACK") == Self.canary)
        #expect(try Self.run(home, ["keys", "remove", "SLACK"]).status == 0)
        #expect(try Self.run(home, ["keys", "remove", "SLACK"]).status == 2)
        #expect(try Self.run(home, ["keys", "set", "EMPTY"], stdin: "").status == 2)
    }

    @Test func rotateKeyKeepsEverythingReadable() async throws {
        let home = try TestHome()
        let id = try Self.add(home)
        let oldKey = try Data(contentsOf: home.home.masterKeyPath)
        let result = try Self.run(home, ["rotate-key"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Data(contentsOf: home.home.masterKeyPath) != oldKey)
        #expect(try await home.open().secrets(of: id).clientSecret == Self.canary)
        #expect(
            !result.stdout.contains(
                String(decoding: try Data(contentsOf: home.home.masterKeyPath), as: UTF8.self).trimmingCharacters(
                    in: .whitespacesAndNewlines)))
    }

    @Test func aNewVaultTellsTheUserToBackUpTheKey() throws {
        let home = try TestHome()
        let first = try Self.run(home, ["list"])
        #expect(first.stderr.contains("created a new master key") && first.stderr.contains("Back it up"))
        #expect(first.stdout.contains("No connections yet"))
        #expect(!(try Self.run(home, ["list"]).stderr.contains("created")))
    }
}
