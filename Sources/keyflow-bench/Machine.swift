import Foundation

/// What the results were measured on, for the JSON output and BENCHMARKS.md.
enum Machine {
    static func describe() -> [String: String] {
        var info: [String: String] = [:]
        info["cores"] = String(ProcessInfo.processInfo.activeProcessorCount)
        if let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let colon = line.firstIndex(of: ":")
        {
            info["cpu"] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        info["date"] = ISO8601DateFormatter().string(from: Date())
        if let commit = try? Shell.output("/usr/bin/git", ["-C", Repository.root.path, "rev-parse", "--short", "HEAD"])
        {
            info["commit"] = commit.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return info
    }
}

/// Paths in the repository: the peer scripts and the venv.
enum Repository {
    /// The package root: the current directory when it is one (as under `swift run`),
    /// else the checkout this binary was built from.
    static let root: URL = {
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        if FileManager.default.fileExists(atPath: current.appendingPathComponent("benchmarks/peers").path) {
            return current
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }()

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }
}

/// Runs programs and collects their output.
enum Shell {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `executable` and returns its standard output; throws when it exits non-zero.
    static func output(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws
        -> String
    {
        let result = try run(executable, arguments, environment: environment)
        guard result.status == 0 else {
            throw Failure(
                description: "\(URL(fileURLWithPath: executable).lastPathComponent) exited with \(result.status): "
                    + result.stderr.suffix(500))
        }
        return result.stdout
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil)
        throws -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        // Files, not pipes: a chatty child never blocks on a full pipe.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (out, err) = try redirect(process, into: directory, named: "out", "err")
        try process.run()
        process.waitUntilExit()
        return (
            process.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        )
    }

    /// Sends `process`'s standard output and error to new files in `directory` (files, not
    /// pipes: a chatty child never blocks on a full pipe), its input from /dev/null.
    static func redirect(_ process: Process, into directory: URL, named out: String, _ err: String) throws -> (
        out: URL, err: URL
    ) {
        let outURL = directory.appendingPathComponent(out)
        let errURL = directory.appendingPathComponent(err)
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        return (outURL, errURL)
    }

    /// The first executable called `name` on PATH.
    static func which(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
