import Crypto
import Foundation

/// Envelope encryption with AES-256-GCM: each connection (and each vault key) has its own
/// data key, wrapped by the master key; values are sealed with the data key. The associated
/// data binds a wrapped key to its team and owner id, and a sealed value to its team, owner
/// id and field, so a row or a value copied elsewhere does not open.
enum Envelope {
    /// A fresh random data key.
    static func newDataKey() -> SymmetricKey { SymmetricKey(size: .bits256) }

    static func wrap(_ dataKey: SymmetricKey, with master: MasterKey, team: String, owner: String) throws(VaultError)
        -> Data
    {
        do {
            let bytes = dataKey.withUnsafeBytes { Data($0) }
            return try AES.GCM.seal(bytes, using: master.key, authenticating: aad("dek", team, owner)).combined
                ?? Data()
        } catch {
            throw .crypto("could not wrap a data key")
        }
    }

    static func unwrap(_ wrapped: Data, with master: MasterKey, team: String, owner: String) throws(VaultError)
        -> SymmetricKey
    {
        do {
            let box = try AES.GCM.SealedBox(combined: wrapped)
            return SymmetricKey(data: try AES.GCM.open(box, using: master.key, authenticating: aad("dek", team, owner)))
        } catch {
            throw .sealedDataDoesNotOpen(owner)
        }
    }

    static func seal(_ plaintext: Data, with dataKey: SymmetricKey, team: String, owner: String, field: String)
        throws(VaultError) -> Data
    {
        do {
            return try AES.GCM.seal(plaintext, using: dataKey, authenticating: aad("value", team, owner, field))
                .combined ?? Data()
        } catch {
            throw .crypto("could not seal \(field)")
        }
    }

    static func open(_ sealed: Data, with dataKey: SymmetricKey, team: String, owner: String, field: String)
        throws(VaultError) -> Data
    {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return try AES.GCM.open(box, using: dataKey, authenticating: aad("value", team, owner, field))
        } catch {
            throw .sealedDataDoesNotOpen(owner)
        }
    }

    /// Length-prefixed parts, so ("ab","c") and ("a","bc") never collide.
    private static func aad(_ parts: String...) -> Data {
        var data = Data("keyflow/v1".utf8)
        for part in parts {
            let bytes = Array(part.utf8)
            withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { data.append(contentsOf: $0) }
            data.append(contentsOf: bytes)
        }
        return data
    }
}
