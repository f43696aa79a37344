import Vault

extension Vault {
    /// The users and browser sessions kept in this vault's store. A store that keeps none is
    /// an error, never an empty list: no users would mean the open single-user mode.
    public var accounts: any AccountStore {
        get throws(VaultError) {
            guard let accounts = store as? any AccountStore else { throw .storage("this vault's store keeps no users") }
            return accounts
        }
    }
}
