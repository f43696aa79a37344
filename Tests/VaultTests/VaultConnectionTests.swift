import Foundation
import OAuthCore
import Testing
import Vault

/// Adding, editing, duplicating and removing connections, and what each does to tokens.
struct VaultConnectionTests {
    static let customInput = ConnectionInput(
        text: [
            "clientID": "app", "clientSecret": "s3cret-value-123456",
            "authorizationURL": "https://auth.example/authorize",
            "tokenURL": "https://auth.example/token",
        ],
        scopes: ["read write"])

    @Test func addListsShowsWithStableURLSafeIDs() async throws {
        let home = try TestHome()
        let vault = try await home.open()
        let connection = try await vault.add(kind: "custom-oauth2", name: "  Example  ", input: Self.customInput)
        #expect(connection.id.hasPrefix("kc_") && connection.id.count == 25)
        #expect(connection.id.utf8.allSatisfy(PercentEncoding.isUnreserved))
        #expect(connection.name == "Example")
        #expect(connection.status == .needsAuth && !connection.hasTokens)
        await #expect(try vault.list().map(\.id) == [connection.id])
        await #expect(try vault.connection(connection.id).settings.scopes == ["read", "write"])
        await #expect(try vault.secrets(of: connection.id).clientSecret == "s3cret-value-123456")
        // Reopening (another process) sees the same.
        #expect(try await home.open().connection(connection.id).name == "Example")
    }

    @Test func missingFieldsAreReportedTogether() async throws {
        let vault = try await TestHome().open()
        let needed = FieldProblem.Reason.required(kind: "Custom OAuth 1.0a", kindID: "custom-oauth1")
        await #expect(
            throws: VaultError.invalidConnection([
                FieldProblem("requestTokenURL", needed), FieldProblem("accessTokenURL", needed),
                FieldProblem("userAuthorizationURL", needed),
                FieldProblem("consumerKey", needed), FieldProblem("consumerSecret", .neededBy("HMAC-SHA1")),
            ])
        ) { try await vault.add(kind: "custom-oauth1", name: "x", input: ConnectionInput()) }
        let error = await #expect(throws: VaultError.self) {
            try await vault.add(
                kind: "google", name: "", input: ConnectionInput(text: ["consumerKey": "k", "tokenURL": "not a url"]))
        }
        guard case .invalidConnection(let problems) = error else {
            Issue.record("got \(String(describing: error))"); return
        }
        // Empty name, consumerKey not for google, bad tokenURL, missing id and secret.
        #expect(problems.map(\.field) == [.name, "consumerKey", "tokenURL", "clientID", "clientSecret"])
        #expect(problems.map(\.reason.code) == ["empty", "not_applicable", "invalid_url", "required", "required"])
        #expect(FieldProblem.sentences(problems, naming: \.rawValue).count == 4)
        // The Vault names fields by catalog id, never by a CLI flag.
        #expect(
            error?.message.contains("consumerKey does not apply to Google (google)") == true,
            "\(String(describing: error))")
        #expect(error?.message.contains("--") == false, "\(String(describing: error))")
        await #expect(try vault.list().isEmpty)
    }

    @Test func editClearsTokensOnlyWhenAuthenticationChanges() async throws {
        let vault = try await TestHome().open()
        let id = try await vault.add(kind: "custom-oauth2", name: "A", input: Self.customInput).id
        try await vault.storeTokens(id, ConnectionTokens(accessToken: "at-1", refreshToken: "rt-1"))
        #expect(try await vault.connection(id).status == .ready)

        // (Allowed hosts: adding one signs out, removing does not; see EditSecretsTests.)
        try await vault.edit(id, name: "Renamed", input: ConnectionInput())
        var connection = try await vault.connection(id)
        #expect(connection.name == "Renamed" && connection.hasTokens && connection.status == .ready)

        for change in [
            ConnectionInput(text: ["clientID": "other"]), ConnectionInput(text: ["clientSecret": "new-secret"]),
            ConnectionInput(scopes: ["read"]), ConnectionInput(text: ["tokenURL": "https://auth.example/v2/token"]),
        ] {
            try await vault.storeTokens(id, ConnectionTokens(accessToken: "at", refreshToken: "rt"))
            try await vault.edit(id, input: change)
            connection = try await vault.connection(id)
            #expect(!connection.hasTokens && connection.status == .needsAuth, "\(change) kept the tokens")
        }
        // Secrets not given stay.
        #expect(try await vault.secrets(of: id).clientSecret == "new-secret")
        // Changing the kind keeps what applies and checks what the new kind needs.
        await #expect(throws: VaultError.self) {
            try await vault.edit(id, kind: "custom-oauth1", input: ConnectionInput())
        }
        try await vault.edit(id, kind: "client-credentials", input: ConnectionInput())
        #expect(try await vault.connection(id).kind == "client-credentials")
    }

    @Test func duplicateCopiesSettingsAndSecretsButNeverTokens() async throws {
        let vault = try await TestHome().open()
        let original = try await vault.add(kind: "custom-oauth2", name: "Team Google", input: Self.customInput)
        try await vault.storeTokens(original.id, ConnectionTokens(accessToken: "at", refreshToken: "rt"))
        let copy = try await vault.duplicate(original.id)
        #expect(copy.name == "Team Google (copy)" && copy.id != original.id)
        #expect(copy.settings == original.settings)
        #expect(try await vault.secrets(of: copy.id) == vault.secrets(of: original.id))
        #expect(try await vault.tokens(of: copy.id) == nil && copy.status == .needsAuth)
        #expect(try await vault.duplicate(original.id, name: "Other").name == "Other")
    }

    @Test func removeDeletesAndUnknownIDsAreNotFound() async throws {
        let vault = try await TestHome().open()
        let id = try await vault.add(kind: "custom-oauth2", name: "A", input: Self.customInput).id
        try await vault.remove(id)
        await #expect(throws: VaultError.notFound("connection \(id)")) { try await vault.connection(id) }
        await #expect(throws: VaultError.notFound("connection \(id)")) { try await vault.remove(id) }
        await #expect(throws: VaultError.notFound("connection ../../etc")) { try await vault.connection("../../etc") }
    }

    @Test func anotherTeamsConnectionIsIndistinguishableFromAMissingOne() async throws {
        let home = try TestHome()
        let alpha = try await home.open(team: "alpha")
        let beta = try await home.open(team: "beta")
        let id = try await alpha.add(kind: "custom-oauth2", name: "A", input: Self.customInput).id
        #expect(try await beta.list().isEmpty)
        await #expect(throws: VaultError.notFound("connection \(id)")) { try await beta.connection(id) }
        await #expect(throws: VaultError.notFound("connection \(id)")) { try await beta.remove(id) }
        #expect(try await alpha.connection(id).team == "alpha")
    }

    @Test func concurrentWritersDoNotLoseUpdates() async throws {
        let home = try TestHome()
        let id = try await home.open().add(kind: "custom-oauth2", name: "A", input: Self.customInput).id
        // Eight vault handles (as eight processes would have) each add a host 10 times.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                let vault = try await home.open()
                group.addTask {
                    for round in 0..<10 {
                        try await vault.edit(id, name: "writer \(writer) round \(round)", input: ConnectionInput())
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await home.open().connection(id).version == 81)
    }
}
