import ArgumentParser
import Foundation
import Vault

/// `keyflow vault rotate-key`: re-wraps every data key under a new master key, in one transaction.
struct VaultRotateKeyCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "rotate-key", abstract: "Re-wrap every data key under a new master key.",
        discussion: """
            With the key file, a new key is generated, the vault re-wrapped in one transaction, and
            master.key replaced. With KEYFLOW_MASTER_KEY, give the new key in KEYFLOW_NEW_MASTER_KEY
            and switch KEYFLOW_MASTER_KEY to it afterwards. The audit chains are verified and
            re-signed under the new key in the same transaction; a chain that does not verify
            refuses the rotation unless --resign-broken-audit (which re-signs it and records that).
            """)
    @Flag(help: "Re-sign audit chains that do not verify (a record in each says so) instead of refusing.")
    var resignBrokenAudit = false

    func run() async throws {
        let vault = try await VaultSession.open(storeOptions)
        let home = vault.home
        let environment = ProcessInfo.processInfo.environment
        let newKey: MasterKey
        if let text = environment["KEYFLOW_NEW_MASTER_KEY"], !text.isEmpty {
            newKey = try VaultSession.run { try MasterKey(base64: text, source: "KEYFLOW_NEW_MASTER_KEY") }
        } else if home.masterKeyFromEnvironment != nil {
            throw CLIError(
                "KEYFLOW_MASTER_KEY is set: put a new key (openssl rand -base64 32) in KEYFLOW_NEW_MASTER_KEY and run this again"
            )
        } else {
            newKey = MasterKey.generate()
        }
        if home.masterKeyFromEnvironment != nil {
            try await VaultSession.run { try await vault.rewrapAll(with: newKey, resignBrokenAudit: resignBrokenAudit) }
            print(
                "Re-wrapped the vault under key \(newKey.id). Now set KEYFLOW_MASTER_KEY to the value of KEYFLOW_NEW_MASTER_KEY."
            )
        } else {
            try await VaultSession.run {
                try await MasterKey.rotateFile(home: home, to: newKey) { key throws(VaultError) in
                    try await vault.rewrapAll(with: key, resignBrokenAudit: resignBrokenAudit)
                }
            }
            print(
                "Re-wrapped the vault under a new master key (id \(newKey.id)) in \(home.masterKeyPath.path). Back it up; the old key no longer opens the vault."
            )
        }
    }
}
