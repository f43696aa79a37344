import Crypto
import Foundation

/// The key and the arithmetic of the audit chains. The key is HKDF-SHA256 of the master key
/// under its own purpose: whoever can write to the database but has no master key cannot
/// compute a MAC, so an edited, inserted or re-ordered record no longer verifies.
///
/// A record's MAC is HMAC-SHA256 over the previous record's MAC (empty for the first) followed
/// by a canonical encoding of the record: every field length-prefixed, an absent field told
/// apart from an empty one, the team and the sequence included, so no two records encode alike.
public struct AuditChain: Sendable {
    /// The HKDF purpose of the chain key.
    public static let purpose = "keyflow.audit.chain.v1"
    /// HMAC-SHA256 keyed once: each MAC copies this state instead of padding and hashing the
    /// key again (one per credential use, on the audit trail's write path).
    let keyed: HMAC<SHA256>
    /// The id of the master key the chain key derives from.
    public let keyID: String

    /// The chain key of `masterKey`.
    public init(masterKey: MasterKey) {
        keyed = HMAC<SHA256>(key: Vault.derivedKey(purpose: Self.purpose, from: masterKey))
        keyID = masterKey.id
    }

    /// The MAC of `event` at `sequence` after a record whose MAC is `previous`.
    public func mac(_ event: VaultEvent, sequence: Int64, previous: Data) -> Data {
        var encoding = Encoding("keyflow.audit.record.v1")
        encoding.bytes(previous)
        encoding.string(event.team)
        encoding.integer(sequence)
        encoding.real(event.at)
        encoding.string(event.action.rawValue)
        for part in [
            event.attribution.actor, event.attribution.agent, event.attribution.component, event.attribution.run,
            event.connection, event.connectionName, event.method, event.origin, event.path,
        ] {
            encoding.optional(part)
        }
        encoding.optionalInteger(event.status.map { Int64(truncatingIfNeeded: $0) })
        encoding.integer(event.succeeded ? 1 : 0)
        encoding.optional(event.detail)
        return sign(encoding)
    }

    /// The signature of a head: its team, last sequence and last MAC.
    public func headSignature(team: String, sequence: Int64, mac: Data) -> Data {
        var encoding = Encoding("keyflow.audit.head.v1")
        encoding.string(team)
        encoding.integer(sequence)
        encoding.bytes(mac)
        return sign(encoding)
    }

    /// The signature of a checkpoint: team, the last deleted sequence and MAC, the cut-off time.
    public func checkpointSignature(team: String, sequence: Int64, mac: Data, before: Double) -> Data {
        var encoding = Encoding("keyflow.audit.checkpoint.v1")
        encoding.string(team)
        encoding.integer(sequence)
        encoding.bytes(mac)
        encoding.real(before)
        return sign(encoding)
    }

    /// The head of a chain with no record yet.
    public func emptyHead(team: String) -> AuditChainState {
        AuditChainState(
            team: team, sequence: 0, mac: Data(), keyID: keyID,
            signature: headSignature(team: team, sequence: 0, mac: Data()))
    }

    /// A signed head after `record`, keeping `checkpoint`.
    public func head(after record: AuditRecord, checkpoint: AuditCheckpoint?) -> AuditChainState {
        head(team: record.team, sequence: record.sequence, mac: record.mac, checkpoint: checkpoint)
    }

    /// A signed head at `sequence` and `mac`.
    public func head(team: String, sequence: Int64, mac: Data, checkpoint: AuditCheckpoint?) -> AuditChainState {
        AuditChainState(
            team: team, sequence: sequence, mac: mac, keyID: keyID,
            signature: headSignature(team: team, sequence: sequence, mac: mac), checkpoint: checkpoint)
    }

    /// A signed checkpoint.
    public func checkpoint(team: String, sequence: Int64, mac: Data, before: Double) -> AuditCheckpoint {
        AuditCheckpoint(
            sequence: sequence, mac: mac, before: before,
            signature: checkpointSignature(team: team, sequence: sequence, mac: mac, before: before))
    }

    /// Appends `events` (all of `head.team`) after `head`: the signed records and the new head.
    public func extend(_ head: AuditChainState, with events: [VaultEvent]) -> ([AuditRecord], AuditChainState) {
        var records: [AuditRecord] = []
        var sequence = head.sequence
        var previous = head.mac
        for event in events {
            sequence += 1
            let mac = mac(event, sequence: sequence, previous: previous)
            records.append(AuditRecord(event: event, sequence: sequence, mac: mac))
            previous = mac
        }
        guard let last = records.last else { return ([], head) }
        return (records, self.head(after: last, checkpoint: head.checkpoint))
    }

    /// Whether two MACs are equal, in time independent of where they differ.
    static func same(_ lhs: Data, _ rhs: Data) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    private func sign(_ encoding: Encoding) -> Data {
        var hmac = keyed
        hmac.update(data: encoding.data)
        return Data(hmac.finalize())
    }

    /// Length-prefixed fields: a tag byte (0 absent, 1 present), then a big-endian 64-bit
    /// length and the bytes; numbers as 8 big-endian bytes.
    struct Encoding {
        var data = Data()

        init(_ domain: String) { string(domain) }

        mutating func bytes(_ value: Data) {
            data.append(1)
            append(UInt64(value.count))
            data.append(value)
        }

        mutating func string(_ value: String) { bytes(Data(value.utf8)) }

        mutating func optional(_ value: String?) {
            if let value { string(value) } else { data.append(0) }
        }

        mutating func integer(_ value: Int64) {
            data.append(1)
            append(UInt64(bitPattern: value))
        }

        mutating func optionalInteger(_ value: Int64?) {
            if let value { integer(value) } else { data.append(0) }
        }

        mutating func real(_ value: Double) {
            data.append(1)
            append(value.bitPattern)
        }

        private mutating func append(_ value: UInt64) {
            withUnsafeBytes(of: value.bigEndian) { data.append(contentsOf: $0) }
        }
    }
}
