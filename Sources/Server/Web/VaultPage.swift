import Foundation
import Hummingbird
import OAuthCore
import Runtime
import Vault

/// The Vault page: the team's OAuth connections with Authenticate / Sign out / Edit /
/// Duplicate / Remove, the Add OAuth Connection dialog whose fields follow the chosen kind,
/// and the vault keys (`vault.mustache`). Plain HTML forms with a little static JavaScript;
/// every state-changing form carries the CSRF token of the browser's session.
struct VaultPage {
    /// The whole vault; each request sees its team's part (`WebAuthentication` sets the team).
    let root: Vault
    let flows: FlowsRegistry
    let selections: AddNewSelections
    /// Shows an Add New form that did not validate again on the agent page it came from.
    let agentsPage: AgentsPage

    func add(to router: RouterGroup<KeyflowRequestContext>) {
        router.get("/") { _, _ in HTML.redirect("/vault") }
        router.get("/vault") { request, context in
            let token = CSRF.token(context)
            return HTML.page(
                title: "Vault", body: try await render(try root.forTeam(of: context), csrf: token),
                viewer: .init(context, csrf: token), notice: Self.query(request)["notice"])
        }
        router.post("/vault/connections") { request, context in
            let form = try await CSRF.checkedForm(request, context)
            let vault = try root.forTeam(of: context)
            // Sent by the agents page's "+ Add New": select the connection there once it is ready.
            var target: AddNewSelections.Target?
            if let agent = form["attach_agent"], let component = form["attach_component"], !agent.isEmpty,
                !component.isEmpty
            {
                target = .init(team: vault.team, agent: agent, component: component, changedBy: context.changedBy)
            }
            let back = target.map { "/agents/" + PercentEncoding.encode($0.agent) } ?? "/vault"
            let connection: Connection
            do {
                connection = try await vault.add(
                    kind: form["kind"] ?? "", name: form["name"] ?? "",
                    input: Self.input(from: form, catalog: vault.catalog))
            } catch VaultError.invalidConnection(let problems) {
                // The form comes back open, each problem next to its field.
                let rejected = AddDialog.Rejected(form: form, problems: problems)
                let csrf = CSRF.token(context)
                let body: String
                if let target {
                    body = try await agentsPage.render(target.agent, vault: vault, csrf: csrf, rejected: rejected)
                } else {
                    body = try await render(vault, csrf: csrf, rejected: rejected)
                }
                return HTML.page(
                    title: "Add OAuth Connection", body: body, viewer: .init(context, csrf: csrf),
                    status: .unprocessableContent)
            } catch {
                return HTML.redirect(back + "?notice=" + PercentEncoding.encode(Self.message(error)))
            }
            if let target { try await selections.remember(connection.id, for: target) }
            // An API key is ready as saved: there is no login to start.
            if connection.status == .ready { return HTML.redirect(await selections.landing(after: connection)) }
            return try await authenticate(connection.id, in: vault, back: back, context: context)
        }
        router.post("/vault/connections/:id/:action") { request, context in
            _ = try await CSRF.checkedForm(request, context)
            let vault = try root.forTeam(of: context)
            let id = context.parameters.get("id") ?? ""
            do {
                switch context.parameters.get("action") {
                case "authenticate": return try await authenticate(id, in: vault, back: "/vault", context: context)
                case "sign-out": try await SignOut(vault: vault, transport: flows.transport).run(id)
                case "duplicate": try await vault.duplicate(id)
                case "remove": try await vault.remove(id)
                default: throw APIError(.notFound, "not_found", "no such action")
                }
            } catch {
                if error is APIError { throw error }
                return HTML.redirect("/vault?notice=" + PercentEncoding.encode(Self.message(error)))
            }
            return HTML.redirect("/vault")
        }
        router.get("/vault/connections/:id/edit") { request, context in
            let token = CSRF.token(context)
            let vault = try root.forTeam(of: context)
            let connection = try await vault.connection(context.parameters.get("id") ?? "")
            return HTML.page(
                title: "Edit \(connection.name)",
                body: try await EditForm(vault: vault).render(connection, csrf: token),
                viewer: .init(context, csrf: token))
        }
        router.post("/vault/connections/:id/edit") { request, context in
            let form = try await CSRF.checkedForm(request, context)
            let id = context.parameters.get("id") ?? ""
            let vault = try root.forTeam(of: context)
            do {
                try await vault.edit(
                    id, name: form["name"].flatMap { $0.isEmpty ? nil : $0 },
                    input: EditForm.input(from: form, catalog: vault.catalog))
            } catch VaultError.invalidConnection(let problems) {
                // Nothing was saved; the form comes back with each problem next to its field.
                let csrf = CSRF.token(context)
                let body = try await EditForm(vault: vault).render(
                    try vault.connection(id), csrf: csrf,
                    rejected: .init(form: form, problems: problems))
                return HTML.page(
                    title: "Edit", body: body, viewer: .init(context, csrf: csrf), status: .unprocessableContent)
            }
            return HTML.redirect("/vault?notice=" + PercentEncoding.encode("saved"))
        }
        router.post("/vault/keys") { request, context in
            let form = try await CSRF.checkedForm(request, context)
            do { try await root.forTeam(of: context).setKey(form["name"] ?? "", value: form["value"] ?? "") } catch {
                return HTML.redirect("/vault?notice=" + PercentEncoding.encode(Self.message(error)))
            }
            return HTML.redirect("/vault")
        }
        router.post("/vault/keys/:name/remove") { request, context in
            _ = try await CSRF.checkedForm(request, context)
            try? await root.forTeam(of: context).removeKey(context.parameters.get("name") ?? "")
            return HTML.redirect("/vault")
        }
    }

    /// The Add dialog's fields as connection input (the catalog's field ids). The dialog holds
    /// every kind's fields, the other kinds' left empty: empty means not given.
    static func input(from form: [String: String], catalog: ProviderCatalog) -> ConnectionInput {
        let notFields: Set<String> = ["csrf", "attach_agent", "attach_component"]
        return ConnectionInputDecoder(catalog: catalog, emptyValues: .notGiven)
            .decode(form: form.filter { !notFields.contains($0.key) }.map { (name: $0.key, value: $0.value) })
    }

    /// Starts a login: on to the provider for a user login (from a page of ours, see
    /// `LoginPage`), straight on for client credentials. Only this browser session can finish it.
    func authenticate(_ id: String, in vault: Vault, back: String, context: KeyflowRequestContext) async throws
        -> Response
    {
        guard let session = context.session else { throw APIError(.unauthorized, "unauthorized", "no browser session") }
        do {
            switch try await flows.flows(for: vault).start(id, boundTo: .session(session.idHash)) {
            case .browser(let url):
                guard let page = LoginPage(providerURL: url) else {
                    return HTML.redirect(
                        back + "?notice=" + PercentEncoding.encode("The authorization URL is not a web address."))
                }
                return HTML.page(title: "Continue to \(page.host)", body: try page.render())
            case .completed(let connection): return HTML.redirect(await selections.landing(after: connection))
            }
        } catch {
            return HTML.redirect(back + "?notice=" + PercentEncoding.encode(Self.message(error)))
        }
    }

    static func message(_ error: Error) -> String {
        (error as? VaultError)?.message ?? String(describing: error)
    }

    static func query(_ request: Request) -> [String: String] {
        FormEncoding.fields(request.uri.query ?? "")
    }

    /// One row of the connections table.
    struct Row {
        var id: String
        var name: String
        var legacy: Bool
        var kind: String
        var status: String
        var statusClass: String
        var expiry: String
        /// Whether the kind has a login to start (not API keys, which Edit sets instead).
        var login: Bool
        /// Last success and failure ("last used …; last failure … (reason)"), "–" when never used.
        var health: String
        /// "refresh token expires in 12 days", where the provider said.
        var refreshExpiry: String?
    }

    /// A banner over the table: a connection that needs a new login, or one that recovered.
    struct Banner {
        var id: String
        var name: String
        /// `needs-reauth` or `recovered` (the CSS class).
        var kind: String
        var message: String
        var login: Bool
    }

    /// A vault key: its name, and the name as a path segment.
    struct KeyRow {
        var name: String
        var path: String
    }

    /// What `vault.mustache` shows.
    struct View {
        var csrf: String
        var connections: [Row]
        var banners: [Banner]
        var keys: [KeyRow]
        var addDialog: AddDialog.View
    }

    func render(_ vault: Vault, csrf: String, rejected: AddDialog.Rejected? = nil) async throws -> String {
        let catalog = vault.catalog
        let connections = try await vault.list()
        let health = (try? await vault.health()) ?? [:]
        let now = Date()
        let rows = connections.map { connection in
            Row(
                id: connection.id, name: connection.name, legacy: connection.isLegacy,
                kind: catalog.kind(id: connection.kind)?.displayName ?? connection.kind,
                status: connection.status.rawValue + (connection.statusReason.map { " — \($0)" } ?? ""),
                statusClass: connection.status.rawValue,
                expiry: connection.tokenExpiresAt.map { ISO8601DateFormatter().string(from: $0) } ?? "–",
                login: catalog.kind(id: connection.kind)?.isAPIKey != true,
                health: HealthText.summary(health[connection.id]),
                refreshExpiry: health[connection.id]?.refreshTokenExpiry(now: now))
        }
        let banners = HealthText.banners(
            connections, health: health, changes: (try? await vault.latestStatusChanges()) ?? [:], now: now,
            catalog: catalog)
        let keys = try await vault.keyNames().map { KeyRow(name: $0, path: PercentEncoding.encode($0)) }
        let view = View(
            csrf: csrf, connections: rows, banners: banners, keys: keys,
            addDialog: AddDialog(catalog: catalog, callbacks: flows.publicURL.callbacks).view(
                csrf: csrf, rejected: rejected))
        return try Templates.render("vault", view)
    }
}

/// CSRF protection bound to the browser's session: every form carries its session's token
/// (`WebSessions`: an HMAC over the session id under a key derived from the master key), and
/// a POST whose token is not its own session's is refused. Nothing is read from a cookie.
enum CSRF {
    /// The token for the forms of the page answering this request.
    static func token(_ context: KeyflowRequestContext) -> String {
        context.session?.csrfToken ?? ""
    }

    /// Reads a form body and checks its `csrf` field against the session's token (in constant time).
    static func checkedForm(_ request: Request, _ context: KeyflowRequestContext) async throws -> [String: String] {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        let form = FormEncoding.fields(String(buffer: body))
        guard let expected = context.session?.csrfToken, let sent = form["csrf"],
            ConstantTime.isEqual(Array(sent.utf8), Array(expected.utf8))
        else {
            throw APIError(.forbidden, "csrf", "the form's CSRF token does not match; reload the page and try again")
        }
        return form
    }
}
