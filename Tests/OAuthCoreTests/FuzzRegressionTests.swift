import Foundation
import Testing

@testable import OAuthCore

/// Inputs the libFuzzer targets found (Fuzz/README.md), fed to the code path that failed.
struct FuzzRegressionTests {
    /// Token-response target (Fuzz/regressions/token-response/excerpt-joins-token): stripping
    /// `>` from the body for the error excerpt joined `access>_t>>oken` into `access_token`,
    /// so the excerpt quoted a token response that the raw-text check had let through.
    @Test func anErrorExcerptNeverShowsATokenThatStrippingJoined() {
        let body = Array(#">>>>>>{"access>_t>>oken":"a",>"_dn":"#.utf8)
        let response = HTTPTransportResponse(
            status: 200, headers: [(name: "Content-Type", value: "application/json")], body: body)
        #expect(throws: OAuth2Error.unexpectedResponse(status: 200, mediaType: "application/json", excerpt: "")) {
            try TokenResponseParser.parse(response, now: .now)
        }
    }
}
