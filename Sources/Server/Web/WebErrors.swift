import Hummingbird
import Vault

/// Errors on the web pages become an HTML page with the right status (a missing or another
/// team's connection is 404), not JSON and never a stack of internals.
struct WebErrors: RouterMiddleware {
    typealias Context = KeyflowRequestContext

    /// What `error.mustache` shows.
    struct Page {
        var code: Int
        var reason: String
        var message: String
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let mapped: APIError
            if let error = error as? HTTPResponseError, !(error is APIError) {
                // Hummingbird's own errors (an oversized body, say) keep their status.
                mapped = APIError(error.status, "http", error.status.reasonPhrase)
            } else {
                mapped = APIError.from(error)
            }
            let page = Page(code: mapped.status.code, reason: mapped.status.reasonPhrase, message: mapped.message)
            return HTML.page(
                title: mapped.status.reasonPhrase, body: try Templates.render("error", page), status: mapped.status)
        }
    }
}
