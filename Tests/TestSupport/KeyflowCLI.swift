import Foundation

/// Runs the built `keyflow` executable, as a user would, and captures what it prints.
public enum KeyflowCLI {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// `keyflow` sits next to the test runner in the build directory (`swift test` builds it).
    public static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("keyflow")
    }

    /// The test process's environment without the store a developer may have exported: a
    /// test that wants a database passes `KEYFLOW_DATABASE_URL` itself.
    static var inherited: [String: String] {
        ProcessInfo.processInfo.environment.filter { $0.key != "KEYFLOW_DATABASE_URL" }
    }

    public static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws
        -> Result
    {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = inherited.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

extension KeyflowCLI {
    /// Starts `keyflow` without waiting, its output discarded: for tests that kill it.
    public static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = inherited.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// Runs `body`, which blocks (waits for a process, reads a pipe), on a thread of its own
/// instead of one of Swift's few cooperative threads: on a 2-core machine a test blocking one
/// of them for 30 s starves every other test running beside it.
public func blockingWork<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

extension KeyflowCLI {
    /// `run`, off the cooperative threads (see `blockingWork`).
    public static func runAsync(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        try await blockingWork { try run(arguments, environment: environment) }
    }
}
