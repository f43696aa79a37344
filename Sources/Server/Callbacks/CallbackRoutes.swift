import Hummingbird
import Vault

/// The two OAuth callback endpoints, `GET /oauth/oauth2/callback` and
/// `GET /oauth/oauth1/callback`: the one implementation both listeners use. `keyflow serve`
/// mounts them in its app (the browser's session presents the callback); `keyflow vault
/// auth` serves them alone (`CallbackListener`). The Vault's flows finish the login; this
/// reads the request, hands it on and answers with what the listener makes of the outcome.
public enum CallbackRoutes {
    /// What a callback did, reported to whoever waits for the login.
    public typealias Outcome = Result<Connection, any Error>

    /// Finishes a login from a callback's path and raw query (`AuthorizationFlows.complete`).
    public typealias Complete =
        @Sendable (_ path: String, _ query: String, _ presenter: LoginPresenter) async throws -> Connection

    /// Adds both callback routes to `router`. Each callback asks `presenter` who presents it
    /// (an error there fails the login), hands path, query and presenter to `complete`, and
    /// answers with `respond`'s response to the outcome.
    public static func add<Context: RequestContext>(
        to router: Router<Context>,
        presenter: @escaping @Sendable (Request, Context) async throws -> LoginPresenter,
        complete: @escaping Complete,
        respond: @escaping @Sendable (Outcome) async throws -> Response
    ) {
        for path in paths {
            router.get(RouterPath(path)) { request, context -> Response in
                let outcome: Outcome
                do {
                    let presenter = try await presenter(request, context)
                    outcome = .success(try await complete(path, request.uri.query ?? "", presenter))
                } catch {
                    outcome = .failure(error)
                }
                return try await respond(outcome)
            }
        }
    }

    /// Adds the routes as `keyflow vault auth` serves them: the listener itself presents every
    /// callback, the answer is a small page of its own (`CallbackPage`), and `onOutcome`
    /// hears each finished or failed login.
    public static func add<Context: RequestContext>(
        to router: Router<Context>, flows: AuthorizationFlows,
        onOutcome: @escaping @Sendable (Outcome) async -> Void = { _ in }
    ) {
        add(
            to: router, presenter: { _, _ in .listener },
            complete: { path, query, presenter in
                try await flows.complete(path: path, query: query, presenter: presenter)
            },
            respond: { outcome in
                await onOutcome(outcome)
                return CallbackPage.response(for: outcome)
            })
    }

    /// The callback paths, OAuth 2.0 first.
    public static let paths = [CallbackURLs.oauth2Path, CallbackURLs.oauth1Path]
}
