import Accounts
import Foundation
import Hummingbird
import Logging
import OAuthCore
import Runtime
import ServiceLifecycle
import Vault

/// `keyflow serve`: the JSON API under `/api/v1`, the OAuth callbacks and `/healthz`.
public enum KeyflowServer {
    /// Builds a node: the router for a vault (any team is served from the same store),
    /// listening at `binding` (whose names, with the public URL's, are the only Host names
    /// answered), and the run worker that executes queued runs in this process unless
    /// `worker` is nil (`serve --no-worker`: workers elsewhere take them). Users and browser
    /// sessions live in `accounts`; the teams' agents in `agents` and their runs in `runs`, by
    /// default the vault's own store. Runs get their credentials from `brokers`, one
    /// long-lived token broker per team (made here when not given), shared by API and worker.
    public static func node(
        vault: Vault, accounts: any AccountStore, flows: FlowsRegistry, agents: (any AgentStore)? = nil,
        runs: (any RunStore)? = nil, binding: Binding, runLimits: RunLimits = .defaults,
        worker: RunWorkerConfiguration? = RunWorkerConfiguration(), maxQueuedRuns: Int = RunQueue.defaultMaxQueued,
        brokers: TeamBrokers? = nil, refresher: BackgroundRefreshConfiguration? = nil,
        webhook: StatusWebhookConfiguration? = nil
    ) throws -> KeyflowNode {
        let router = Router(context: KeyflowRequestContext.self)
        // Requests by route pattern (never the raw path), method and status, the refused ones too.
        router.add(middleware: HTTPMetricsMiddleware())
        // First, so that it stands in front of every route (and of the 404s).
        router.add(middleware: RequestBoundary(binding: binding, publicURL: flows.publicURL.base))
        let store: any AgentStore = agents ?? (vault.store as? any AgentStore) ?? NoAgentStore()
        guard let runStore = runs ?? (vault.store as? any RunStore) else {
            throw VaultError.storage("this vault's store keeps no runs")
        }
        let library = AgentLibrary(store: store)
        let brokers = brokers ?? TeamBrokers(transport: flows.transport)
        let queue = RunQueue(store: runStore, library: library, maxQueuedPerTeam: maxQueuedRuns)
        var runWorker: RunWorker?
        if var configuration = worker {
            configuration.limits = runLimits
            runWorker = RunWorker(
                root: vault, runs: runStore, agents: store, transport: flows.transport, brokers: brokers,
                configuration: configuration)
        }
        let selections = AddNewSelections(library: library, store: vault.store)
        router.get("/healthz") { _, _ in "ok" }
        // Browsers ask for it on every page; an empty answer keeps their consoles quiet.
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        StaticFiles.add(to: router)
        let sessions = WebSessions(vault: vault, store: accounts)
        // The provider brings the user back here; the page they came from shows the outcome.
        CallbackRoutes.add(
            to: router,
            presenter: { request, _ in try await Self.presenter(of: request, sessions: sessions, store: accounts) },
            complete: { path, query, presenter in
                try await flows.complete(path: path, query: query, presenter: presenter, vault: vault)
            },
            respond: { outcome in try await Self.landing(after: outcome, selections: selections) })
        let api = router.group("api/v1").add(middleware: TeamAuthentication(store: accounts))
            .add(middleware: ErrorMapping())
        let connections = ConnectionsAPI(vault: vault, flows: flows)
        connections.add(to: api)
        KeysAPI(connections: connections).add(to: api)
        AgentsAPI(library: library, queue: queue, connections: connections).add(to: api)
        RunsAPI(queue: queue, connections: connections).add(to: api)
        AuditAPI(connections: connections).add(to: api)

        let browserSessions = BrowserSessions(sessions: sessions, store: accounts, publicURL: flows.publicURL)
        SignInPage(sessions: sessions, root: vault, publicURL: flows.publicURL).add(
            to: router.group().add(middleware: WebErrors()).add(middleware: browserSessions))
        let web = router.group().add(middleware: WebErrors()).add(middleware: browserSessions).add(
            middleware: WebAuthentication())
        let agentsPage = AgentsPage(root: vault, library: library, queue: queue, callbacks: flows.publicURL.callbacks)
        VaultPage(root: vault, flows: flows, selections: selections, agentsPage: agentsPage).add(to: web)
        agentsPage.add(to: web)
        AgentRevisionsPage(library: library).add(to: web)
        RunsPage(root: vault, queue: queue, library: library).add(to: web)
        ModelsPage(root: vault).add(to: web)
        ActivityPage(root: vault).add(to: web)
        // Connection health: the background refresher (opt-in) and the status webhook's sender.
        var health: [any Service] = []
        if let refresher {
            health.append(BackgroundRefresher(root: vault, brokers: brokers, configuration: refresher))
        }
        if let webhook {
            health.append(StatusWebhookSender(store: vault.store, transport: flows.transport, configuration: webhook))
        }
        return KeyflowNode(router: router, worker: runWorker, health: health)
    }
}

/// What `KeyflowServer.node` builds: the router, and the worker to run beside it.
public struct KeyflowNode {
    /// Every route: pages, API, callbacks.
    public let router: Router<KeyflowRequestContext>
    /// The in-process worker, nil with `--no-worker`.
    public let worker: RunWorker?

    /// The background refresher and the webhook sender, when configured.
    public var health: [any Service] = []

    /// What an `Application` runs beside the router: the worker, if there is one, and `health`.
    public var services: [any Service] { (worker.map { [$0] } ?? []) + health }
}

/// What `wrong_browser.mustache` shows.
struct WrongBrowserPage {
    var message: String
}

extension KeyflowServer {
    /// Who presents a callback: the browser's session (from its cookie) and its account.
    static func presenter(of request: Request, sessions: WebSessions, store: any AccountStore) async throws
        -> LoginPresenter
    {
        let users = try await store.users()
        guard let cookie = request.cookies[WebSessions.cookieName]?.value,
            let session = try await sessions.session(cookie: cookie, among: users)
        else {
            return .stranger
        }
        let account = session.user?.id ?? (users.isEmpty ? KeyflowRequestContext.localAccount : nil)
        return .browser(session: session.idHash, account: account)
    }

    /// Where a browser goes after a callback: the page the login started from, or the vault
    /// page with the reason it failed.
    static func landing(after outcome: CallbackRoutes.Outcome, selections: AddNewSelections) async throws -> Response {
        switch outcome {
        case .success(let connection):
            return HTML.redirect(await selections.landing(after: connection))
        case .failure(FlowError.wrongBrowser):
            // The login stays pending, so the browser that started it can still finish it.
            let body = try Templates.render(
                "wrong_browser", WrongBrowserPage(message: FlowError.wrongBrowser.description))
            return HTML.page(title: "Login not finished", body: body, status: .forbidden)
        case .failure(let error):
            return HTML.redirect("/vault?notice=" + PercentEncoding.encode(String(describing: error)))
        }
    }
}

/// Turns vault errors thrown by handlers into JSON errors.
struct ErrorMapping: RouterMiddleware {
    typealias Context = KeyflowRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do { return try await next(request, context) } catch let error as HTTPResponseError { throw error } catch {
            throw APIError.from(error)
        }
    }
}
