import Foundation
import Hummingbird
import OAuthCore
import Runtime
import Vault

/// `/api/v1/connections`: the team's connections. Secrets are never sent back (masked);
/// another team's id is a 404, exactly like a missing one.
struct ConnectionsAPI {
    let vault: Vault
    let flows: FlowsRegistry

    func add(to group: RouterGroup<KeyflowRequestContext>) {
        group.get("connections") { _, context in
            let vault = try team(context)
            return JSONResponse.make(.ok, .array(try await vault.list().map { summary($0) }))
        }
        group.get("connections/:id") { _, context in
            let vault = try team(context)
            return JSONResponse.make(.ok, try await details(try vault.connection(try id(context)), vault: vault))
        }
        group.post("connections") { request, context in
            let vault = try team(context)
            let body = try await json(request)
            guard let kind = body["kind"]?.stringValue else { throw APIError(.unprocessableContent, "invalid_input", "kind is required", field: "kind") }
            guard let name = body["name"]?.stringValue else { throw APIError(.unprocessableContent, "invalid_input", "name is required", field: "name") }
            let connection = try await vault.add(kind: kind, name: name, input: input(from: body))
            return JSONResponse.make(.created, try await details(connection, vault: vault))
        }
        group.patch("connections/:id") { request, context in
            let vault = try team(context)
            let body = try await json(request)
            let connection = try await vault.edit(try id(context), name: body["name"]?.stringValue, kind: body["kind"]?.stringValue,
                                            input: input(from: body))
            return JSONResponse.make(.ok, try await details(connection, vault: vault))
        }
        group.post("connections/:id/duplicate") { request, context in
            let vault = try team(context)
            let body = (try? await json(request)) ?? JSONObject()
            return JSONResponse.make(.created, try await details(try vault.duplicate(try id(context), name: body["name"]?.stringValue), vault: vault))
        }
        group.delete("connections/:id") { _, context in
            let vault = try team(context)
            try await vault.remove(try id(context))
            return Response(status: .noContent)
        }
        group.post("connections/:id/authenticate") { _, context in
            let vault = try team(context)
            let connectionID = try id(context)
            // The browser that opens the URL must belong to the same account to finish the login.
            let account = context.account ?? KeyflowRequestContext.localAccount
            switch try await flows.flows(for: vault).start(connectionID, boundTo: .account(account)) {
            case .browser(let url):
                return JSONResponse.make(.ok, .object(JSONObject([("authorization_url", .string(url))])))
            case .completed(let connection):
                return JSONResponse.make(.ok, try await details(connection, vault: vault))
            }
        }
        group.post("connections/:id/sign-out") { _, context in
            let vault = try team(context)
            let connectionID = try id(context)
            try await SignOut(vault: vault, transport: flows.transport).run(connectionID)
            return JSONResponse.make(.ok, try await details(try vault.connection(connectionID), vault: vault))
        }
    }

    func team(_ context: KeyflowRequestContext) throws -> Vault {
        try vault.forTeam(of: context)
    }

    func id(_ context: KeyflowRequestContext) throws -> String {
        guard let id = context.parameters.get("id") else { throw APIError(.notFound, "not_found", "no connection id") }
        return id
    }

    func json(_ request: Request) async throws -> JSONObject {
        var request = request
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: 256 * 1024) } catch {
            throw APIError(.contentTooLarge, "too_large", "the request body is larger than 256 KiB")
        }
        do {
            guard let object = try JSONParser.parse(Array(buffer.readableBytesView)).objectValue else {
                throw APIError(.badRequest, "bad_json", "the body must be a JSON object")
            }
            return object
        } catch let error as JSONParser.Error {
            throw APIError(.badRequest, "bad_json", "the body is not valid JSON: \(error)")
        }
    }

    /// Field ids of the provider catalog, as in `vault add`.
    func input(from body: JSONObject) -> ConnectionInput {
        var input = ConnectionInput()
        let fields = body["fields"]?.objectValue ?? body
        for (key, value) in fields {
            switch (key, value) {
            case ("scopes", .array(let scopes)): input.scopes = scopes.compactMap(\.stringValue)
            case ("scopes", .string(let scopes)): input.scopes = [scopes]
            case ("allowedHosts", .array(let hosts)): input.allowedHosts = hosts.compactMap(\.stringValue)
            case ("pkce", .bool(let flag)): input.pkce = flag
            case ("bodyHash", .bool(let flag)): input.bodyHash = flag
            case ("kind", _), ("name", _): continue
            case (_, .string(let text)): input.text[key] = text
            default: continue
            }
        }
        return input
    }

    func summary(_ connection: Connection) -> JSONValue {
        .object(JSONObject([
            ("id", .string(connection.id)), ("name", .string(connection.name)), ("kind", .string(connection.kind)),
            ("status", .string(connection.status.rawValue)), ("status_reason", connection.statusReason.map(JSONValue.string) ?? .null),
            ("token_expires_at", connection.tokenExpiresAt.map { .number(($0.timeIntervalSince1970).rounded()) } ?? .null),
            ("badges", .array(connection.isLegacy ? [.string("Legacy")] : [])),
        ]))
    }

    func details(_ connection: Connection, vault: Vault) async throws -> JSONValue {
        guard case .object(var object) = summary(connection) else { return .null }
        let settings = try vault.effectiveSettings(of: connection)
        let secrets = try await vault.secrets(of: connection.id)
        var shown = JSONObject()
        for field in settings.kind.requiredFields + settings.kind.optionalFields {
            if let value = secrets.value(of: field) {
                shown[field] = .string(field == "privateKey" ? "set" : SecretMask.mask(value))
            } else if let value = connection.settings.value(of: field) {
                shown[field] = .string(value)
            }
        }
        object["fields"] = .object(shown)
        object["allowed_hosts"] = .array(settings.allowedHosts.map(JSONValue.string))
        object["callback_url"] = settings.kind.needsUserLogin
            ? .string(settings.kind.protocol == .oauth1 ? vault.home.oauth1CallbackURL : vault.home.oauth2CallbackURL) : .null
        return .object(object)
    }
}

/// One `AuthorizationFlows` per team, so that a callback finds its login whichever team started it.
public actor FlowsRegistry {
    let transport: any HTTPTransport
    private var byTeam: [String: AuthorizationFlows] = [:]

    public init(transport: any HTTPTransport) {
        self.transport = transport
    }

    func flows(for vault: Vault) -> AuthorizationFlows {
        if let existing = byTeam[vault.team] { return existing }
        let flows = AuthorizationFlows(vault: vault, transport: transport)
        byTeam[vault.team] = flows
        return flows
    }

    /// Hands a callback to the team whose login it belongs to.
    func complete(path: String, query: String, presenter: LoginPresenter) async throws -> Connection {
        for flows in byTeam.values where await flows.hasPendingLogins {
            do { return try await flows.complete(path: path, query: query, presenter: presenter) } catch FlowError.unknownLogin { continue }
        }
        throw FlowError.unknownLogin
    }
}
