import Foundation

/// The page between a form that starts a login (Add Connection, Authenticate) and the
/// provider. The policy's `form-action 'self'` also covers where a form's POST redirects
/// (Chromium enforces that), so the POST answers with this same-origin page, whose link the
/// static script follows at once (`login.mustache`).
struct LoginPage {
    /// The provider's authorization URL.
    let url: String
    /// Its host, named on the page.
    let host: String

    /// Nil unless `providerURL` is an http(s) URL with a host: nothing else becomes a link.
    init?(providerURL: String) {
        guard let components = URLComponents(string: providerURL), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty
        else { return nil }
        url = providerURL
        self.host = host
    }

    func render() throws -> String {
        try Templates.render("login", self)
    }
}
