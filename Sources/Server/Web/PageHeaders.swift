import Hummingbird

/// The headers every HTML page carries, `keyflow serve`'s and the callback listener's alike.
public enum PageHeaders {
    /// Scripts, styles and forms only from this server (no inline code at all), and no
    /// framing by any other page.
    public static let contentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; form-action 'self'"

    /// Adds the policy, `nosniff` and a same-origin referrer policy to `headers`.
    public static func apply(to headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        // HTTPTypes has no constant for it; HTTPFields.Element is HTTPField, which Hummingbird does not re-export.
        if let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy") { headers[referrerPolicy] = "same-origin" }
    }
}
