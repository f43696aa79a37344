import Foundation

/// The Python OAuth peers (`peers/`), run from the repository's venv. `scripts/test`
/// creates the venv; a missing one fails the test with that instruction.
public enum PeerPython {
    public static var executable: String {
        if let configured = ProcessInfo.processInfo.environment["KEYFLOW_PEER_PYTHON"], !configured.isEmpty {
            return configured
        }
        return Repository.url(".venv/bin/python").path
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "the Python test peers are not installed at \(PeerPython.executable): run scripts/test, which creates the venv"
        }
    }

    public static func checkInstalled() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw Missing() }
    }

    /// Runs a peer script as a filter: `input` on stdin, stdout returned.
    public static func filter(script: String, input: Data) throws -> Data {
        try checkInstalled()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputURL = directory.appendingPathComponent("in")
        let outputURL = directory.appendingPathComponent("out")
        try input.write(to: inputURL)
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [Repository.url("peers/\(script)").path]
        process.standardInput = try FileHandle(forReadingFrom: inputURL)
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PeerFailure(description: "peers/\(script) exited with status \(process.terminationStatus)")
        }
        return try Data(contentsOf: outputURL)
    }
}

public struct PeerFailure: Error, CustomStringConvertible {
    public let description: String
}

/// A peer server started for one test: it prints `READY http://127.0.0.1:PORT` once it
/// listens, and is terminated by `stop()` (or when the object goes away).
public final class PeerServer: @unchecked Sendable {
    public let baseURL: String
    private let process: Process

    public init(script: String, arguments: [String] = []) throws {
        try PeerPython.checkInstalled()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PeerPython.executable)
        process.arguments = [Repository.url("peers/\(script)").path, "--port", "0"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        self.process = process
        // Read until the READY line; a peer that dies first closes the pipe (EOF).
        var buffer = Data()
        while !buffer.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
        }
        let line = String(decoding: buffer, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        guard line.hasPrefix("READY ") else {
            process.terminate()
            throw PeerFailure(description: "peers/\(script) did not start (said: \(line.isEmpty ? "nothing" : line))")
        }
        baseURL = String(line.dropFirst("READY ".count))
    }

    /// SIGTERM, then SIGKILL if the peer has not exited within two seconds.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}
