import Crypto
import Foundation

/// A run's request (endpoint, inputs) and result (output, trace) can hold what an endpoint's
/// caller sent and what an API answered, so they are sealed like a connection's secrets: a data
/// key of the run's own, wrapped by the master key (and re-wrapped by `rotate-key`), each value
/// bound to the team, the run and the field.
public enum RunSeal {
    /// The owner name a run's data key and values are bound to.
    public static func owner(_ runID: String) -> String { "run:" + runID }

    /// A new run id: `run_` and 24 random base32 characters.
    public static func newRunID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var generator = SystemRandomNumberGenerator()
        return "run_" + String((0..<24).map { _ in alphabet[Int(generator.next(upperBound: UInt32(32)))] })
    }

    /// Whether `id` has the shape of a run id (checked before it reaches a query or a page).
    public static func isWellFormed(_ id: String) -> Bool {
        id.count == 28 && id.hasPrefix("run_")
            && id.dropFirst(4).allSatisfy { ("a"..."z").contains($0) || ("2"..."7").contains($0) }
    }
}

extension Vault {
    /// A queued run of this team: a new data key, wrapped, and `request` sealed with it.
    public func newRun(
        agent: String, agentVersion: Int64, startedBy: String, request: Data, at time: Double
    ) throws(VaultError) -> StoredRun {
        let id = RunSeal.newRunID()
        let dataKey = Envelope.newDataKey()
        let owner = RunSeal.owner(id)
        return StoredRun(
            id: id, team: team, agent: agent, agentVersion: agentVersion, startedBy: startedBy, keyID: masterKey.id,
            wrappedKey: try Envelope.wrap(dataKey, with: masterKey, team: team, owner: owner),
            request: try Envelope.seal(request, with: dataKey, team: team, owner: owner, field: "request"),
            createdAt: time)
    }

    /// The run's request, opened.
    public func openRequest(of run: StoredRun) throws(VaultError) -> Data {
        try Envelope.open(
            run.request, with: runKey(run), team: run.team, owner: RunSeal.owner(run.id), field: "request")
    }

    /// `result` sealed for the run.
    public func sealResult(_ result: Data, of run: StoredRun) throws(VaultError) -> Data {
        try Envelope.seal(result, with: runKey(run), team: run.team, owner: RunSeal.owner(run.id), field: "result")
    }

    /// The run's result, opened; nil when it has none.
    public func openResult(of run: StoredRun) throws(VaultError) -> Data? {
        guard let sealed = run.result else { return nil }
        return try Envelope.open(
            sealed, with: runKey(run), team: run.team, owner: RunSeal.owner(run.id), field: "result")
    }

    private func runKey(_ run: StoredRun) throws(VaultError) -> SymmetricKey {
        guard run.keyID == masterKey.id else {
            throw .masterKey("run \(run.id) was sealed with master key \(run.keyID), not \(masterKey.id)")
        }
        return try Envelope.unwrap(run.wrappedKey, with: masterKey, team: run.team, owner: RunSeal.owner(run.id))
    }
}
