import Foundation
import OAuthCore

/// Acts as the user at a peer's consent page: opens the authorization URL, sees the page,
/// approves (or denies), and returns where the provider redirects the browser.
public enum ConsentPage {
    public struct Unexpected: Error, CustomStringConvertible {
        public let description: String
    }

    /// Returns the `Location` the provider redirects to after the decision.
    public static func decide(_ authorizationURL: String, approve: Bool = true, using transport: any HTTPTransport)
        async throws -> String
    {
        let page = try await transport.send(
            HTTPTransportRequest(method: "GET", url: authorizationURL), timeout: .seconds(10))
        guard page.status == 200, String(decoding: page.body, as: UTF8.self).contains("Approve") else {
            throw Unexpected(
                description:
                    "the consent page answered \(page.status): \(String(decoding: page.body.prefix(300), as: UTF8.self))"
            )
        }
        let decision = try await transport.send(
            HTTPTransportRequest(
                method: "POST", url: authorizationURL,
                headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array("confirm=\(approve ? "yes" : "no")".utf8)),
            timeout: .seconds(10))
        guard decision.status == 302, let location = decision.header("Location") else {
            throw Unexpected(description: "the decision answered \(decision.status), not a redirect")
        }
        return location
    }
}
