import Foundation
import TestSupport

/// A PostgreSQL cluster of one test's own (`scripts/dev-postgres`), for tests that restart
/// the server: the shared test cluster must stay up for the other suites.
final class DevPostgresCluster: @unchecked Sendable {
    /// The database URL of the role that owns the cluster's `keyflow` database.
    let databaseURL: String
    let directory: String
    /// The CA that signed the server's TLS certificate (for localhost and 127.0.0.1).
    let caPath: String

    init() throws {
        let output = try Self.script([])
        func value(_ name: String) throws -> String {
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("export \(name)=") }) else {
                throw TestStoreError("scripts/dev-postgres printed no \(name)")
            }
            return String(line.dropFirst("export \(name)=".count)).trimmingCharacters(
                in: CharacterSet(charactersIn: "'"))
        }
        databaseURL = try value("KEYFLOW_DATABASE_URL")
        directory = try value("KEYFLOW_DEV_POSTGRES_DIR")
        caPath = try value("KEYFLOW_TEST_POSTGRES_CA")
    }

    /// A fast restart: every open connection drops; returns once the server accepts again.
    func restart() throws { _ = try Self.script(["restart", directory]) }

    func stop() { _ = try? Self.script(["stop", directory]) }

    static func script(_ arguments: [String]) throws -> String {
        // Output to a file, not a pipe: Foundation's Process leaves the pipe's write end open
        // in the child under another descriptor, the server it starts inherits that, and
        // reading the pipe to its end would then wait for the server to exit.
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("dev-postgres-\(UUID()).out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Repository.url("scripts/dev-postgres").path] + arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestStoreError(
                "scripts/dev-postgres \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return try String(contentsOf: output, encoding: .utf8)
    }
}
