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
        router.get("/healthz") { _, _ in "ok" }
        for path in [KeyflowHome.oauth2CallbackPath, KeyflowHome.oauth1CallbackPath] {
            // The provider brings the user back here; the Vault page then shows the outcome.
            router.get(RouterPath(path)) { request, _ -> Response in
                do {
                    let connection = try await flows.complete(path: path, query: request.uri.query ?? "")
                    return HTML.redirect("/vault?notice=" + PercentEncoding.encode("“\(connection.name)” is \(connection.status.rawValue)"))
                } catch {
                    return HTML.redirect("/vault?notice=" + PercentEncoding.encode(String(describing: error)))
                }
            }
        }
        let api = router.group("api/v1").add(middleware: TeamAuthentication(store: vault.store))
            .add(middleware: ErrorMapping())
        // The web UI serves the single local team; browser sign-in for teams is still to come.
        VaultPage(vault: vault.forTeam(Vault.localTeam), flows: flows).add(to: router)
        let connections = ConnectionsAPI(vault: vault, flows: flows)
        connections.add(to: api)
        KeysAPI(connections: connections).add(to: api)
        AgentsAPI(vault: vault, directory: agents ?? vault.home.directory.appendingPathComponent("agents"), transport: flows.transport,
                  connections: connections).add(to: api)
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
