import OAuthCore
import Vault

/// The authorize step of the `AuthorizingTransport` alone (origin check, credential, signature),
/// for tests that look at the authorized request without sending it.
struct TestAuthorizer {
    let broker: TokenBroker

    @discardableResult
    func authorize(_ request: inout HTTPTransportRequest, connection: String, rejected: Credential? = nil) async throws
        -> Credential
    {
        try await ConnectionCredentials(broker: broker, connection: connection)
            .authorize(&request, url: try request.requestURL(), rejected: rejected)
    }

    /// The whole transport over `base`, for `connection`.
    func transport(_ base: any HTTPTransport, connection: String) -> AuthorizingTransport {
        AuthorizingTransport(base: base, credentials: ConnectionCredentials(broker: broker, connection: connection))
    }
}
