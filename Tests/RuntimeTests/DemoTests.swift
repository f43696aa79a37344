import Foundation
import TestSupport
import Testing

/// `keyflow demo`, the README's first command, run as a new user would.
struct DemoTests {
    @Test func theDemoRunsEndToEndWithOneRefresh() throws {
        let result = try KeyflowCLI.run(["demo"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("Logged in with authorization code + PKCE: ready"))
        #expect(result.stderr.contains("3 API calls with one connection; the token was refreshed 1 time"))
        // No access token is ever printed.
        #expect(!result.stderr.contains("demo-at-") && !result.stdout.contains("demo-at-"))
        let output = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect((output?["profile"] as? [String: Any])?["name"] as? String == "Ada Lovelace")
        #expect((output?["tasks"] as? [[String: Any]])?.count == 2)
    }
}
