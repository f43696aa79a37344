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
            let health = (try? await vault.health()) ?? [:]
            return JSONResponse.make(.ok, .array(try await vault.list().map { summary($0, health: health[$0.id]) }))
        }
        group.get("connections/:id") { _, context in
            let vault = try team(context)
            return JSONResponse.make(.ok, try await details(try vault.connection(try id(context)), vault: vault))
        }
        group.post("connections") { request, context in
            let vault = try team(context)
            let body = try await json(request)
            guard let kind = body["kind"]?.stringValue else { throw APIError.required("kind") }
            guard let name = body["name"]?.stringValue else { throw APIError.required("name") }
            let connection = try await vault.add(
                kind: kind, name: name, input: input(from: body, catalog: vault.catalog))
            return await JSONResponse.make(.created, try details(connection, vault: vault))
        }
        group.patch("connections/:id") { request, context in
            let vault = try team(context)
            let body = try await json(request)
            let connection = try await vault.edit(
                try id(context), name: body["name"]?.stringValue, kind: body["kind"]?.stringValue,
                input: input(from: body, catalog: vault.catalog))
            return await JSONResponse.make(.ok, try details(connection, vault: vault))
        }
        group.post("connections/:id/duplicate") { request, context in
            let vault = try team(context)
            let body = (try? await json(request)) ?? JSONObject()
            return JSONResponse.make(
                .created,
                try await details(try vault.duplicate(try id(context), name: body["name"]?.stringValue), vault: vault))
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

    /// Where a field is in a connection's JSON body: `name` and `kind` at the top, the catalog's
    /// fields under `fields` (`fields.tokenURL`).
    static func path(of field: ConnectionField) -> String {
        field == .name || field == .kind ? field.rawValue : "fields." + field.rawValue
    }

    /// Field ids of the provider catalog, as in `vault add`, under `fields` (or at the top).
    func input(from body: JSONObject, catalog: ProviderCatalog) -> ConnectionInput {
        ConnectionInputDecoder(catalog: catalog).decode(json: body["fields"]?.objectValue ?? body)
    }

    func summary(_ connection: Connection, health: ConnectionHealth?) -> JSONValue {
        .object(
            JSONObject([
                ("id", .string(connection.id)), ("name", .string(connection.name)), ("kind", .string(connection.kind)),
                ("status", .string(connection.status.rawValue)),
                ("status_reason", connection.statusReason.map(JSONValue.string) ?? .null),
                (
                    "token_expires_at",
                    connection.tokenExpiresAt.map { .number(($0.timeIntervalSince1970).rounded()) } ?? .null
                ),
                ("badges", .array(connection.isLegacy ? [.string("Legacy")] : [])),
                ("health", Self.healthJSON(health)),
            ]))
    }

    /// Last success and failure (with its reason), last refresh and the refresh token's expiry,
    /// in seconds since 1970; null where not known.
    static func healthJSON(_ health: ConnectionHealth?) -> JSONValue {
        func time(_ value: Double?) -> JSONValue { value.map { .number($0.rounded()) } ?? .null }
        return .object(
            JSONObject([
                ("last_success_at", time(health?.lastSuccessAt)),
                ("last_failure_at", time(health?.lastFailureAt)),
                ("last_failure_reason", health?.lastFailureReason.map(JSONValue.string) ?? .null),
                ("last_refresh_at", time(health?.lastRefreshAt)),
                ("refresh_token_expires_at", time(health?.refreshTokenExpiresAt)),
            ]))
    }

    func details(_ connection: Connection, vault: Vault) async throws -> JSONValue {
        let health = try? await vault.health()[connection.id]
        guard case .object(var object) = summary(connection, health: health ?? nil) else { return .null }
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
        object["callback_url"] =
            settings.kind.needsUserLogin
            ? .string(flows.publicURL.callbacks.url(for: settings.kind.protocol)) : .null
        return .object(object)
    }
}
