import Hummingbird
import NIOCore
import Vault

/// The server-rendered pages' frame: the shared layout (`layout.mustache`), its headers and
/// redirects. Page bodies come from their own templates.
enum HTML {
    /// Who sees a page: the header names a signed-in user and offers Sign out.
    struct Viewer {
        var userName: String?
        var team: String
        var csrf: String

        init(_ context: KeyflowRequestContext, csrf: String) {
            userName = context.userName
            team = context.team ?? Vault.localTeam
            self.csrf = csrf
        }
    }

    /// What `layout.mustache` shows around a page's body.
    struct Layout {
        struct Account {
            var userName: String
            var team: String
            var csrf: String
        }

        var title: String
        var account: Account?
        var notice: String?
        /// Rendered by a template (escaped there): the one value the layout inserts as is.
        var body: String
    }

    /// A page: `body` (a template's output) in the layout, with the headers every page has.
    /// - Parameter notice: a message shown above the body (an outcome, an error).
    static func page(
        title: String, body: String, viewer: Viewer? = nil, notice: String? = nil, status: HTTPResponse.Status = .ok,
        headers extra: HTTPFields = [:]
    ) -> Response {
        let account = viewer.flatMap { viewer in
            viewer.userName.map { Layout.Account(userName: $0, team: viewer.team, csrf: viewer.csrf) }
        }
        let layout = Layout(title: title, account: account, notice: notice, body: body)
        var headers = extra
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        PageHeaders.apply(to: &headers)
        do {
            let html = try Templates.render("layout", layout)
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        } catch {
            // Only a broken build gets here (the tests render every template).
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(
                status: .internalServerError, headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: "page template missing")))
        }
    }

    static func redirect(_ location: String, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }
}
