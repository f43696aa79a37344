import Foundation
import OAuthCore
import Testing
import Vault

/// Adding, editing, duplicating and removing connections, and what each does to tokens.
struct VaultConnectionTests {
    static let customInput = ConnectionInput(
        text: ["clientID": "app", "clientSecret": "s3cret-value-123456", "authorizationURL": "https://auth.example/authorize",
               "tokenURL": "https://auth.example/token"],
        scopes: ["read write"])

    @Test func addListsShowsWithStableURLSafeIDs() throws {
        let home = try TestHome()
        let vault = try home.open()
        let connection = try vault.add(kind: "custom-oauth2", name: "  Example  ", input: Self.customInput)
        #expect(connection.id.hasPrefix("kc_") && connection.id.count == 25)
        #expect(connection.id.utf8.allSatisfy(PercentEncoding.isUnreserved))
        #expect(connection.name == "Example")
        #expect(connection.status == .needsAuth && !connection.hasTokens)
        #expect(try vault.list().map(\.id) == [connection.id])
        #expect(try vault.connection(connection.id).settings.scopes == ["read", "write"])
        #expect(try vault.secrets(of: connection.id).clientSecret == "s3cret-value-123456")
        // Reopening (another process) sees the same.
        #expect(try home.open().connection(connection.id).name == "Example")
    }

    @Test func missingFieldsAreReportedTogether() throws {
        let vault = try TestHome().open()
        let needed = FieldProblem.Reason.required(kind: "Custom OAuth 1.0a", kindID: "custom-oauth1")
        #expect(throws: VaultError.invalidConnection([
            FieldProblem("requestTokenURL", needed), FieldProblem("accessTokenURL", needed), FieldProblem("userAuthorizationURL", needed),
            FieldProblem("consumerKey", needed), FieldProblem("consumerSecret", .neededBy("HMAC-SHA1")),
        ])) { try vault.add(kind: "custom-oauth1", name: "x", input: ConnectionInput()) }
        let error = #expect(throws: VaultError.self) {
            try vault.add(kind: "google", name: "", input: ConnectionInput(text: ["consumerKey": "k", "tokenURL": "not a url"]))
        }
        guard case .invalidConnection(let problems) = error else { Issue.record("got \(String(describing: error))"); return }
        // Empty name, consumerKey not for google, bad tokenURL, missing id and secret.
        #expect(problems.map(\.field) == [.name, "consumerKey", "tokenURL", "clientID", "clientSecret"])
        #expect(problems.map(\.reason.code) == ["empty", "not_applicable", "invalid_url", "required", "required"])
        #expect(FieldProblem.sentences(problems, naming: \.rawValue).count == 4)
        // The Vault names fields by catalog id, never by a CLI flag.
        #expect(error?.message.contains("consumerKey does not apply to Google (google)") == true, "\(String(describing: error))")
        #expect(error?.message.contains("--") == false, "\(String(describing: error))")
        #expect(try vault.list().isEmpty)
    }

    @Test func editClearsTokensOnlyWhenAuthenticationChanges() throws {
        let vault = try TestHome().open()
        let id = try vault.add(kind: "custom-oauth2", name: "A", input: Self.customInput).id
        try vault.storeTokens(id, ConnectionTokens(accessToken: "at-1", refreshToken: "rt-1"))
        #expect(try vault.connection(id).status == .ready)

        // (Allowed hosts: adding one signs out, removing does not; see EditSecretsTests.)
        try vault.edit(id, name: "Renamed", input: ConnectionInput())
        var connection = try vault.connection(id)
        #expect(connection.name == "Renamed" && connection.hasTokens && connection.status == .ready)

        for change in [ConnectionInput(text: ["clientID": "other"]), ConnectionInput(text: ["clientSecret": "new-secret"]),
                       ConnectionInput(scopes: ["read"]), ConnectionInput(text: ["tokenURL": "https://auth.example/v2/token"])] {
            try vault.storeTokens(id, ConnectionTokens(accessToken: "at", refreshToken: "rt"))
            try vault.edit(id, input: change)
            connection = try vault.connection(id)
            #expect(!connection.hasTokens && connection.status == .needsAuth, "\(change) kept the tokens")
        }
        // Secrets not given stay.
        #expect(try vault.secrets(of: id).clientSecret == "new-secret")
        // Changing the kind keeps what applies and checks what the new kind needs.
        #expect(throws: VaultError.self) { try vault.edit(id, kind: "custom-oauth1", input: ConnectionInput()) }
        try vault.edit(id, kind: "client-credentials", input: ConnectionInput())
        #expect(try vault.connection(id).kind == "client-credentials")
    }

    @Test func duplicateCopiesSettingsAndSecretsButNeverTokens() throws {
        let vault = try TestHome().open()
        let original = try vault.add(kind: "custom-oauth2", name: "Team Google", input: Self.customInput)
        try vault.storeTokens(original.id, ConnectionTokens(accessToken: "at", refreshToken: "rt"))
        let copy = try vault.duplicate(original.id)
        #expect(copy.name == "Team Google (copy)" && copy.id != original.id)
        #expect(copy.settings == original.settings)
        #expect(try vault.secrets(of: copy.id) == vault.secrets(of: original.id))
        #expect(try vault.tokens(of: copy.id) == nil && copy.status == .needsAuth)
        #expect(try vault.duplicate(original.id, name: "Other").name == "Other")
    }

    @Test func removeDeletesAndUnknownIDsAreNotFound() throws {
        let vault = try TestHome().open()
        let id = try vault.add(kind: "custom-oauth2", name: "A", input: Self.customInput).id
        try vault.remove(id)
        #expect(throws: VaultError.notFound("connection \(id)")) { try vault.connection(id) }
        #expect(throws: VaultError.notFound("connection \(id)")) { try vault.remove(id) }
        #expect(throws: VaultError.notFound("connection ../../etc")) { try vault.connection("../../etc") }
    }

    @Test func anotherTeamsConnectionIsIndistinguishableFromAMissingOne() throws {
        let home = try TestHome()
        let alpha = try home.open(team: "alpha")
        let beta = try home.open(team: "beta")
        let id = try alpha.add(kind: "custom-oauth2", name: "A", input: Self.customInput).id
        #expect(try beta.list().isEmpty)
        #expect(throws: VaultError.notFound("connection \(id)")) { try beta.connection(id) }
        #expect(throws: VaultError.notFound("connection \(id)")) { try beta.remove(id) }
        #expect(try alpha.connection(id).team == "alpha")
    }

    @Test func concurrentWritersDoNotLoseUpdates() async throws {
        let home = try TestHome()
        let id = try home.open().add(kind: "custom-oauth2", name: "A", input: Self.customInput).id
        // Eight vault handles (as eight processes would have) each add a host 10 times.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                let vault = try home.open()
                group.addTask {
                    for round in 0..<10 {
                        try vault.edit(id, name: "writer \(writer) round \(round)", input: ConnectionInput())
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try home.open().connection(id).version == 81)
    }
}
