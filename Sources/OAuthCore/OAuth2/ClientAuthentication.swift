/// How a client authenticates itself at the token endpoint (RFC 6749 section 2.3.1).
public enum ClientAuthentication: String, Sendable, Codable, CaseIterable {
    /// `Authorization: Basic` with the form-encoded id and secret. Every server must accept it.
    case basic = "client_secret_basic"
    /// `client_id` and `client_secret` in the request body.
    case post = "client_secret_post"
    /// A public client: only `client_id` in the body (PKCE protects the code).
    case none = "none"
}
