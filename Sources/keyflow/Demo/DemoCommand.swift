import Accounts
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import OAuthCore
import Runtime
import Server
import ServiceLifecycle
import Vault

/// `keyflow demo`: the whole thing, with no account and no network. A sandbox OAuth 2.0
/// provider and API start on loopback; in a throwaway home a connection is added and logged
/// in (auto-approved, authorization code + PKCE); `workflows/demo.smyth` runs, refreshing the
/// expired token once along the way; the result and a short trace are printed.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run a real example end to end on loopback (no account, no network).")
    @Option(help: "The agent to run (default: workflows/demo.smyth, or the built-in copy).") var agent: String?
    @Flag(help: "Keep the throwaway KEYFLOW_HOME and print where it is.") var keep = false

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-demo-\(UUID().uuidString.prefix(8))")
        defer { if !keep { try? FileManager.default.removeItem(at: directory) } }
        var logger = Logger(label: "keyflow.demo")
        logger.logLevel = .critical

        // 1. The sandbox provider and API, on a free loopback port.
        let state = SandboxState(tokenLifetime: 62)  // 62 s minus the broker's 60 s skew: stale after 2 s
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let sandbox = Application(
            router: SandboxProvider.router(state), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let services = ServiceGroup(configuration: .init(services: [sandbox], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            defer { group.cancelAll() }
            var port = 0
            for await value in portStream { port = value; break }
            let sandboxURL = "http://127.0.0.1:\(port)"
            say("1. Sandbox OAuth 2.0 provider and API on \(sandboxURL)")
            try await demo(sandboxURL: sandboxURL, state: state, directory: directory)
            await services.triggerGracefulShutdown()
        }
        if keep { say("The demo's KEYFLOW_HOME is \(directory.path)") }
    }

    private func demo(sandboxURL: String, state: SandboxState, directory: URL) async throws {
        let callbackPort = try VaultSession.run { try FreePort.find() }
        let home = KeyflowHome(directory: directory)
        let vault = try await VaultSession.run { try await Vault.open(home: home).vault }
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }

        // 2. A saved connection, logged in through the real flow.
        let clientSecret = state.clientSecret
        let connection = try await VaultSession.run {
            try await vault.add(
                kind: "custom-oauth2", name: "Demo sandbox",
                input: ConnectionInput(
                    text: [
                        "clientID": state.clientID, "clientSecret": clientSecret,
                        "authorizationURL": sandboxURL + "/authorize",
                        "tokenURL": sandboxURL + "/token",
                    ], scopes: ["projects.read"], pkce: true))
        }
        say("2. Added connection \(connection.id) in a throwaway home (\(directory.path))")
        let login = ListenerLogin(
            vault: vault, transport: transport, publicURL: PublicURL("http://127.0.0.1:\(callbackPort)"))
        let loggedIn = try await VaultSession.run {
            try await login.run(connection.id, timeout: .seconds(30)) { url in
                // Acting as the browser: the sandbox approves at once and redirects to our callback.
                let approval = try await transport.send(
                    HTTPTransportRequest(method: "GET", url: url), timeout: .seconds(10))
                guard let callback = approval.header("Location") else {
                    throw CommandFailure("the sandbox did not redirect (HTTP \(approval.status))")
                }
                _ = try await transport.send(HTTPTransportRequest(method: "GET", url: callback), timeout: .seconds(10))
            }
        }
        say(
            "3. Logged in with authorization code + PKCE: \(loggedIn.status.rawValue), token expires \(Output.date(loggedIn.tokenExpiresAt))"
        )

        // 3. The agent, pointed at the sandbox and the new connection.
        var loaded = try loadAgent()
        for index in loaded.components.indices
        where loaded.components[index].data["oauth_con_id"]?.stringValue == "demo" {
            loaded.components[index].data["oauth_con_id"] = .string(connection.id)
            // The URL's origin is {{sandbox}}, so the calls list the one host it may be.
            loaded.components[index].data["allowedHosts"] = .string(String(sandboxURL.dropFirst("http://".count)))
        }
        loaded.variables["sandbox"] = .string(sandboxURL)
        let issues = AgentValidator.validate(loaded)
        guard issues.isEmpty else { throw CLIError(issues.map(\.description).joined(separator: "\n")) }
        let broker = TokenBroker(vault: vault, transport: transport)
        let prepared = try AgentPreparer.prepare(
            loaded,
            connections: Dictionary(
                uniqueKeysWithValues: loaded.components
                    .filter { $0.type == "APICall" }.map { ($0.id, connection.id) }))
        let keys = await VaultKeySnapshot(vault: vault, names: AgentSession.keyNames(in: loaded))
        let environment = RunEnvironment(
            variables: loaded.variables, keys: { try keys.value($0) }, http: transport, broker: broker)
        say("4. Running \(loaded.name ?? "the agent") (\(loaded.components.count) components)...")
        let result: RunResult
        do {
            result = try await Executor(agent: prepared).run(endpoint: nil, inputs: JSONObject(), context: environment)
        } catch {
            await vault.events.flush()
            throw CommandFailure(error.description)
        }
        await vault.events.flush()  // the uses' audit records, written in batches
        for entry in result.trace {
            let milliseconds = Int(
                entry.duration.components.seconds * 1000 + entry.duration.components.attoseconds / 1_000_000_000_000_000
            )
            say(
                "   \(entry.succeeded ? "✓" : "✗") \(entry.componentID.padding(toLength: 8, withPad: " ", startingAt: 0)) \(entry.type.padding(toLength: 11, withPad: " ", startingAt: 0)) \(String(milliseconds).leftPadded(5)) ms  \(entry.title)"
            )
        }
        let refreshes = await state.refreshes
        let calls = await state.apiCalls
        say(
            "5. \(calls) API calls with one connection; the token was refreshed \(refreshes) time\(refreshes == 1 ? "" : "s") along the way (rotated refresh token stored first)."
        )
        print(JSONWriter.string(result.output, pretty: true))
    }

    private func loadAgent() throws -> Agent {
        let path = agent ?? "workflows/demo.smyth"
        if agent != nil || FileManager.default.fileExists(atPath: path) {
            do { return try AgentLoader.load(path: path) } catch { throw CLIError(error.description) }
        }
        do { return try AgentLoader.parse(PackageResources.demo_smyth, source: "demo.smyth (built in)") } catch {
            throw CLIError(error.description)
        }
    }

    /// Progress for people on standard error; the agent's JSON result alone goes to standard output.
    private func say(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
