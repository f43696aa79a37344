import ArgumentParser
import Foundation
import OAuthCore
import Vault

/// `keyflow vault test ID --url URL`: sends authorized requests through the connection, as
/// an agent would (the same `AuthorizingTransport`), to check that it works. Tokens are
/// refreshed as needed; a 401 forces one refresh and one retry. Only the status codes are printed.
struct VaultTestCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Send an authorized request with a connection and show the status.")
    @Argument(help: "The connection id.") var id: String
    @Option(help: "The API URL to call (its host must be allowed for the connection).") var url: String
    @Option(help: "HTTP method.") var method: String = "GET"
    @Option(help: "How many requests to send.") var count: Int = 1
    @Option(help: "How many at once.") var concurrency: Int = 1
    @Option(
        name: .customLong("header"),
        help: ArgumentHelp(
            "A header to send as well, NAME:VALUE (repeatable), e.g. anthropic-version:2023-06-01.",
            valueName: "name:value"))
    var headers: [String] = []

    func validate() throws {
        guard count >= 1, concurrency >= 1 else {
            throw ValidationError("--count and --concurrency must be at least 1")
        }
        for header in headers where Self.split(header) == nil {
            throw ValidationError("--header \(header): expected NAME:VALUE")
        }
    }

    /// `NAME:VALUE` as a header; nil without a colon or a name.
    static func split(_ header: String) -> (name: String, value: String)? {
        guard let colon = header.firstIndex(of: ":") else { return nil }
        let name = header[..<colon].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { return nil }
        return (name, header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }

    func run() async throws {
        let vault = try await VaultSession.open(storeOptions)
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let authorized = AuthorizingTransport(
            base: transport,
            credentials: ConnectionCredentials(broker: TokenBroker(vault: vault, transport: transport), connection: id))
        let request = HTTPTransportRequest(
            method: method.uppercased(), url: url, headers: headers.compactMap(Self.split))
        var statuses: [Int: Int] = [:]
        var failures: [String] = []
        try await withThrowingTaskGroup(of: Result<Int, Error>.self) { group in
            var started = 0
            func startOne() {
                started += 1
                group.addTask {
                    do { return .success(try await authorized.send(request, timeout: .seconds(30)).status) } catch {
                        return .failure(error)
                    }
                }
            }
            while started < min(concurrency, count) { startOne() }
            for try await result in group {
                switch result {
                case .success(let status): statuses[status, default: 0] += 1
                case .failure(let error): failures.append(String(describing: error))
                }
                if started < count { startOne() }
            }
        }
        await vault.events.flush()  // the uses' audit records, written in batches
        for (status, times) in statuses.sorted(by: { $0.key < $1.key }) { print("HTTP \(status) × \(times)") }
        for (message, times) in Dictionary(failures.map { ($0, 1) }, uniquingKeysWith: +).sorted(by: { $0.key < $1.key }
        ) {
            print("failed × \(times): \(message)")
        }
        if !failures.isEmpty || statuses.keys.contains(where: { !(200..<300).contains($0) }) {
            throw ExitCode.failure
        }
    }
}
