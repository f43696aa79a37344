import ArgumentParser

/// `keyflow vault`: the saved OAuth connections and named secrets.
struct VaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "Add, authenticate and manage saved OAuth connections.",
        discussion: """
            The vault lives in $KEYFLOW_HOME (default ~/.keyflow): vault.sqlite, sealed with
            AES-256-GCM under master.key (or KEYFLOW_MASTER_KEY, base64 of 32 bytes).
            Callbacks arrive at $KEYFLOW_PUBLIC_URL (default http://127.0.0.1:8787).
            """,
        subcommands: [
            VaultProvidersCommand.self, VaultAddCommand.self, VaultListCommand.self, VaultShowCommand.self,
            VaultEditCommand.self, VaultDuplicateCommand.self, VaultRemoveCommand.self, VaultAuthCommand.self,
            VaultSignoutCommand.self, VaultTestCommand.self, VaultKeysCommand.self, VaultRotateKeyCommand.self,
            VaultMigrateCommand.self,
        ])
}
