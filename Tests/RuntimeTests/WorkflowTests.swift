import Foundation
import Runtime
import TestSupport
import Testing

/// The example agents of `workflows/` stay valid.
struct WorkflowTests {
    static let files =
        (try? FileManager.default.contentsOfDirectory(atPath: Repository.url("workflows").path))?
        .filter { $0.hasSuffix(".smyth") }.sorted() ?? []

    @Test func theExamplesAreAllThere() {
        #expect(
            Self.files == [
                "add-new-github.smyth", "client-credentials-report.smyth", "demo.smyth", "gmail-unread-digest.smyth",
                "legacy-inline.smyth", "summarize-with-llm.smyth", "triage-ticket-with-llm.smyth", "x-post.smyth",
                "x-user-lookup.smyth",
            ])
    }

    @Test(arguments: files)
    func everyExampleValidates(file: String) throws {
        let agent = try AgentLoader.load(path: Repository.url("workflows/\(file)").path)
        #expect(AgentValidator.validate(agent).isEmpty)
    }
}
