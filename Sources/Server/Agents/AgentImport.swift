import Foundation
import Vault

/// Copies the `.smyth` files of a folder into a team's agents. Names not yet stored are
/// added; a stored agent is never overwritten (the import is skipped for it), so importing
/// the same folder again, or at every start of `keyflow serve --agents DIR`, loses nothing.
public enum AgentImport {
    /// A file that was not imported, and why.
    public struct Failure: Sendable, Equatable {
        /// The file name within the folder.
        public let file: String
        /// Why it was not imported.
        public let problem: String
    }

    /// What an import did, by agent name (failures by file name).
    public struct Report: Sendable, Equatable {
        /// Newly stored for the team.
        public var added: [String] = []
        /// Already stored for the team: left as they were.
        public var skipped: [String] = []
        /// Files that were not imported.
        public var failed: [Failure] = []
    }

    /// Imports every `NAME.smyth` of `directory` (not its subfolders, not hidden files) into
    /// `team`, recording `changedBy` as the author of the first revision. A file that cannot be
    /// read, is too large, has a name that is not an agent name or does not parse is reported
    /// and skipped; a failing store or an unreadable folder throws.
    public static func run(directory: URL, team: String, store: any AgentStore, changedBy: String) async throws
        -> Report
    {
        let files: [String]
        do { files = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw VaultError.invalidInput(["cannot read the folder \(directory.path)"])
        }
        var report = Report()
        for file in files.sorted() where file.hasSuffix(".smyth") && !file.hasPrefix(".") {
            let url = directory.appendingPathComponent(file).resolvingSymlinksInPath()
            guard let name = AgentLibrary.name(file) else {
                report.failed.append(
                    Failure(file: file, problem: "not an agent name: use letters, digits, _, - and . only"))
                continue
            }
            let bytes: [UInt8]
            switch contents(of: url) {
            case .success(let read): bytes = read
            case .failure(let failure):
                report.failed.append(Failure(file: file, problem: failure.problem))
                continue
            }
            do { _ = try AgentLibrary.parse(bytes, name: name) } catch {
                report.failed.append(
                    Failure(
                        file: file,
                        problem: error.problems.map { ($0.path.isEmpty ? "" : $0.path + ": ") + $0.message }.joined(
                            separator: "; ")))
                continue
            }
            let added = try await store.saveAgent(
                team: team, name: name, body: Data(bytes), changedBy: changedBy,
                changedAt: Date().timeIntervalSince1970, expectedVersion: nil)
            if added == nil { report.skipped.append(name) } else { report.added.append(name) }
        }
        return report
    }

    private struct ReadFailure: Error {
        let problem: String
    }

    /// A regular file's bytes, at most `AgentLibrary.maxBytes` of them.
    private static func contents(of url: URL) -> Result<[UInt8], ReadFailure> {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
            attributes[.type] as? FileAttributeType == .typeRegular
        else {
            return .failure(ReadFailure(problem: "not a readable regular file"))
        }
        if let size = attributes[.size] as? NSNumber, size.int64Value > Int64(AgentLibrary.maxBytes) {
            return .failure(ReadFailure(problem: "larger than 4 MiB"))
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return .failure(ReadFailure(problem: "cannot be read"))
        }
        guard data.count <= AgentLibrary.maxBytes else { return .failure(ReadFailure(problem: "larger than 4 MiB")) }
        return .success(Array(data))
    }
}
