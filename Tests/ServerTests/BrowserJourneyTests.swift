import Foundation
import TestSupport
import Testing

/// The seed's journey in a real browser: `Tests/Browser/journey.py` drives Debian's chromium
/// with selenium against `keyflow serve` and the Authlib peer (sign in, add a Custom OAuth 2.0
/// connection with PKCE, approve, pick it in an agent and see it badged in the agent's graph,
/// run and see the graph coloured by the run, + Add New, duplicate, sign out, remove).
/// `scripts/test` installs chromium, chromium-driver and selenium.
struct BrowserJourneyTests {
    @Test(.timeLimit(.minutes(5))) func theSeedJourneyPassesInChromium() throws {
        try PeerPython.checkInstalled()
        let screenshots = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-screenshots-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: screenshots) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PeerPython.executable)
        process.arguments = [
            Repository.url("Tests/Browser/journey.py").path, "--keyflow", KeyflowCLI.executable.path,
            "--screenshots", screenshots.path,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(printed)")
        #expect(printed.contains("journey: all steps passed"))
        // The screenshots the README shows are taken on the way.
        let taken = Set((try? FileManager.default.contentsOfDirectory(atPath: screenshots.path)) ?? [])
        for name in [
            "vault.png", "agent-dropdown.png", "add-dialog-custom-oauth2.png", "add-dialog-client-credentials.png",
            "agent-graph.png",
        ] {
            #expect(taken.contains(name), "missing screenshot \(name)")
        }
    }
}
