import ArgumentParser
import Foundation
import OAuthCore
import Server
import Vault

/// `keyflow vault auth ID`: logs a connection in. For a user login it serves the callback at
/// $KEYFLOW_PUBLIC_URL, prints the authorization URL on a line of its own (and opens a browser
/// when there is one), and exits once the callback has been handled. Client credentials
/// need no browser.
struct VaultAuthCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "auth", abstract: "Authenticate a connection (log in at the provider).",
        discussion: """
            Needs no terminal: the URL is printed on a line of its own, and any HTTP client (or a
            person on another machine) can open it. On timeout, Ctrl-C or a failed exchange the
            command exits non-zero and the connection is unchanged.
            """)
    @Argument(help: "The connection id.") var id: String
    @Flag(help: "Do not try to open a browser.") var noBrowser = false
    @Option(help: "Seconds to wait for the login.") var timeout: Int = 300

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        let vault = try await VaultSession.open(storeOptions)
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let login = ListenerLogin(vault: vault, transport: transport, publicURL: VaultSession.publicURL)
        let connection = try await VaultSession.run { try await vault.connection(id) }
        let kind = try VaultSession.run { try vault.kind(of: connection) }
        let noBrowser = self.noBrowser
        let done = try await VaultSession.run {
            try await login.run(id, timeout: .seconds(timeout)) { url in
                // Written unbuffered: whoever reads our output (a person, a test) needs it now.
                Output.line("Open this URL to log in to \(kind.displayName) as \"\(connection.name)\":")
                Output.line(url)
                Output.line("Waiting for the callback on \(login.publicURL) (Ctrl-C to cancel)...")
                if !noBrowser { Browser.open(url) }
            }
        }
        report(done)
    }

    private func report(_ connection: Connection) {
        let expiry = connection.tokenExpiresAt.map { ", token expires \(Output.date($0))" } ?? ""
        print("Connected \"\(connection.name)\" (\(connection.id)): \(connection.status.rawValue)\(expiry).")
    }
}

/// Opens a URL in the desktop's browser when there is a desktop; silently does nothing otherwise.
enum Browser {
    static func open(_ url: String) {
        let environment = ProcessInfo.processInfo.environment
        #if os(macOS)
            let opener = "/usr/bin/open"
        #else
            guard environment["DISPLAY"] != nil || environment["WAYLAND_DISPLAY"] != nil else { return }
            let opener = "/usr/bin/xdg-open"
        #endif
        guard FileManager.default.isExecutableFile(atPath: opener) else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: opener)
        process.arguments = [url]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
    }
}
