import Foundation

/// A WHATWG URL parser, the one browsers use, through Node's built-in `URL` (Node 18+):
/// resolves references against a base exactly as a browser follows a `Location`.
public enum WHATWGURL {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "node is not installed (scripts/test installs Debian's nodejs); it is the WHATWG URL parser of these tests"
        }
    }

    static var node: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/usr/local/bin"
        for directory in path.split(separator: ":") {
            for name in ["node", "nodejs"] {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    /// The origin (`scheme://host[:port]`) each reference resolves to against `base`, or
    /// `"invalid"` where the parser refuses it.
    public static func origins(of references: [String], base: String) throws -> [String] {
        guard let node else { throw Missing() }
        let script = """
            const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
            const out = input.refs.map(ref => { try { return new URL(ref, input.base).origin; } catch (e) { return 'invalid'; } });
            process.stdout.write(JSON.stringify(out));
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: node)
        process.arguments = ["-e", script]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(
            try JSONSerialization.data(withJSONObject: ["refs": references, "base": base]))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let origins = try JSONSerialization.jsonObject(with: data) as? [String],
            origins.count == references.count
        else {
            throw PeerFailure(
                description: "node exited with \(process.terminationStatus): \(String(decoding: data, as: UTF8.self))")
        }
        return origins
    }
}
