import Foundation
import Hummingbird
import Logging
import OAuthCore
import Vault

/// `keyflow serve`: the JSON API under `/api/v1`, the OAuth callbacks and `/healthz`.
public enum KeyflowServer {
    /// Builds the router for a vault (any team is served from the same store).
    public static func router(vault: Vault, flows: FlowsRegistry, agents: URL? = nil) -> Router<KeyflowRequestContext> {
        let router = Router(context: KeyflowRequestContext.self)
        let folder = AgentFolder(directory: agents ?? vault.home.directory.appendingPathComponent("agents"))
        let runs = AgentRuns(transport: flows.transport)
        let selections = AddNewSelections(folder: folder)
        router.get("/healthz") { _, _ in "ok" }
        // Browsers ask for it on every page; an empty answer keeps their consoles quiet.
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        StaticFiles.add(to: router)
        for path in [KeyflowHome.oauth2CallbackPath, KeyflowHome.oauth1CallbackPath] {
            // The provider brings the user back here; the page they came from shows the outcome.
            router.get(RouterPath(path)) { request, _ -> Response in
                do {
                    let connection = try await flows.complete(path: path, query: request.uri.query ?? "")
                    return HTML.redirect(await selections.landing(after: connection))
                } catch {
                    return HTML.redirect("/vault?notice=" + PercentEncoding.encode(String(describing: error)))
                }
            }
        }
        let api = router.group("api/v1").add(middleware: TeamAuthentication(store: vault.store))
            .add(middleware: ErrorMapping())
        let connections = ConnectionsAPI(vault: vault, flows: flows)
        connections.add(to: api)
        KeysAPI(connections: connections).add(to: api)
        AgentsAPI(folder: folder, runs: runs, connections: connections).add(to: api)

        let sessions = WebSessions(vault: vault)
        SignInPage(sessions: sessions, home: vault.home).add(to: router.group().add(middleware: WebErrors()))
        let web = router.group().add(middleware: WebErrors()).add(middleware: WebAuthentication(sessions: sessions, store: vault.store))
        let agentsPage = AgentsPage(root: vault, folder: folder, runs: runs)
        VaultPage(root: vault, flows: flows, selections: selections, agentsPage: agentsPage).add(to: web)
        agentsPage.add(to: web)
        return router
    }
}

/// Turns vault errors thrown by handlers into JSON errors.
struct ErrorMapping: RouterMiddleware {
    typealias Context = KeyflowRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do { return try await next(request, context) } catch let error as HTTPResponseError { throw error } catch {
            throw APIError.from(error)
        }
    }
}
