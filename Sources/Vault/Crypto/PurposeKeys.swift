import Crypto

extension Vault {
    /// A 256-bit key for one purpose outside the vault (signing browser sessions, CSRF tokens),
    /// derived from the master key with HKDF under `purpose`: it decrypts nothing, and a key
    /// of one purpose stands in for no other. The master key itself never leaves the Vault.
    package func derivedKey(purpose: String) -> SymmetricKey {
        Self.derivedKey(purpose: purpose, from: masterKey)
    }

    /// The key of `purpose` under `masterKey` (a rotation derives the new key's before the
    /// vault uses it).
    package static func derivedKey(purpose: String, from masterKey: MasterKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: masterKey.key, info: Array(purpose.utf8), outputByteCount: 32)
    }
}
