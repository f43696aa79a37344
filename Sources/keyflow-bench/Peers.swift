import Foundation

/// The peers a suite is compared with: found, installed when that is safe to do, or skipped
/// with the reason. A missing peer never yields a number.
enum Peers {
    /// Either the command that runs a peer script or why it cannot run here.
    enum Availability {
        case ready(executable: String, environment: [String: String])
        case skipped(String)
    }

    /// Debian's node-oauth-1.0a under /usr/share/nodejs, installed with apt when missing and
    /// we are root (as on CI).
    static func nodeOAuth() -> Availability {
        let module = "/usr/share/nodejs/oauth-1.0a/oauth-1.0a.js"
        if !FileManager.default.fileExists(atPath: module), getuid() == 0, let apt = Shell.which("apt-get") {
            FileHandle.standardError.write(Data("keyflow-bench: installing node-oauth-1.0a with apt-get\n".utf8))
            _ = try? Shell.run(
                apt, ["install", "-y", "--no-install-recommends", "node-oauth-1.0a"],
                environment: ["DEBIAN_FRONTEND": "noninteractive"])
        }
        guard let node = Shell.which("node") ?? Shell.which("nodejs") else {
            return .skipped("node not installed (apt-get install nodejs node-oauth-1.0a)")
        }
        guard FileManager.default.fileExists(atPath: module) else {
            return .skipped("node-oauth-1.0a not installed (apt-get install node-oauth-1.0a)")
        }
        return .ready(executable: node, environment: ["NODE_PATH": "/usr/share/nodejs"])
    }

    /// oauthlib from PyPI, in the repository's .venv (made by scripts/peers-venv from
    /// peers/requirements.txt, the same pinned version the tests use).
    static func oauthlib() -> Availability {
        let python = Repository.url(".venv/bin/python").path
        let hasOAuthlib = { (try? Shell.run(python, ["-c", "import oauthlib"]))?.status == 0 }
        if !hasOAuthlib() {
            FileHandle.standardError.write(Data("keyflow-bench: setting up .venv with scripts/peers-venv\n".utf8))
            let result = try? Shell.run(Repository.url("scripts/peers-venv").path, [])
            if result?.status != 0 || !hasOAuthlib() {
                return .skipped(
                    "oauthlib not installed: scripts/peers-venv failed (\(result?.stderr.suffix(200) ?? "could not run"))"
                )
            }
        }
        return .ready(executable: python, environment: [:])
    }

    /// What a signing peer printed.
    struct SignResult {
        let header: String
        let perSecond: Double
        let version: String
    }

    /// Runs a signing peer on `input` (a JSON file); nil with the reason when it is skipped.
    static func sign(_ availability: Availability, script: String, input: URL) -> Result<SignResult, Shell.Failure> {
        guard case .ready(let executable, let environment) = availability else {
            if case .skipped(let reason) = availability {
                return .failure(Shell.Failure(description: "skipped: \(reason)"))
            }
            return .failure(Shell.Failure(description: "skipped"))
        }
        do {
            let output = try Shell.output(
                executable, [Repository.url("benchmarks/peers/\(script)").path, input.path],
                environment: environment)
            guard let line = output.split(separator: "\n").last,
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            else {
                return .failure(Shell.Failure(description: "\(script) printed no result"))
            }
            if let skipped = object["skipped"] as? String {
                return .failure(Shell.Failure(description: "skipped: \(skipped)"))
            }
            guard let header = object["header"] as? String, let perSecond = object["per_second"] as? Double else {
                return .failure(Shell.Failure(description: "\(script) printed no header or rate"))
            }
            return .success(
                SignResult(header: header, perSecond: perSecond, version: object["version"] as? String ?? "?"))
        } catch {
            return .failure(Shell.Failure(description: "\(script) failed: \(error)"))
        }
    }

    /// The `oauth_signature` value of an Authorization header, still percent-encoded.
    static func signature(in header: String) -> String? {
        guard let range = header.range(of: "oauth_signature=\"") else { return nil }
        let rest = header[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
