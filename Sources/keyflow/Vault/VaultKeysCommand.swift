import ArgumentParser
import Foundation
import Vault

/// `keyflow vault keys`: named secrets for `{{KEY(NAME)}}` templates.
struct VaultKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Named secrets for {{KEY(NAME)}} templates.",
        subcommands: [Set.self, List.self, Remove.self, Import.self])

    struct Set: AsyncParsableCommand {
        @OptionGroup var storeOptions: StoreOptions
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Set a key; the value is read from standard input.")
        @Argument(help: "The key name.") var name: String

        func run() async throws {
            let vault = try await VaultSession.open(storeOptions)
            guard let value = readLine(strippingNewline: true), !value.isEmpty else {
                throw CLIError(
                    "keys set \(name): give the value on standard input (echo \"$VALUE\" | keyflow vault keys set \(name))"
                )
            }
            try await VaultSession.run { try await vault.setKey(name, value: value) }
            print("Set key \(name).")
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var storeOptions: StoreOptions
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List key names (never values).")
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let vault = try await VaultSession.open(storeOptions)
            let names = try await VaultSession.run { try await vault.keyNames() }
            if json { print(JSONOutput.array(names.map(JSONOutput.string))) } else { names.forEach { print($0) } }
        }
    }

    struct Remove: AsyncParsableCommand {
        @OptionGroup var storeOptions: StoreOptions
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a key.")
        @Argument(help: "The key name.") var name: String

        func run() async throws {
            let vault = try await VaultSession.open(storeOptions)
            try await VaultSession.run { try await vault.removeKey(name) }
            print("Removed key \(name).")
        }
    }

    struct Import: AsyncParsableCommand {
        @OptionGroup var storeOptions: StoreOptions
        static let configuration = CommandConfiguration(
            commandName: "import", abstract: "Import a SmythOS vault file: {\"<team>\": {\"NAME\": \"value\"}}.")
        @Argument(help: "The JSON file.") var file: String
        @Option(help: "The team in the file to import (needed when it has several).") var fromTeam: String?

        func run() async throws {
            let vault = try await VaultSession.open(storeOptions)
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError("\(file): the file cannot be read")
            }
            let names = try await VaultSession.run { () async throws -> [String] in
                do { return try await vault.importKeys(json: data, fromTeam: fromTeam) } catch {
                    if case VaultError.invalidInput(let problems) = error {
                        throw VaultError.invalidInput(problems.map { "\(file): \($0)" })
                    }
                    throw error
                }
            }
            print("Imported \(names.count) key\(names.count == 1 ? "" : "s"): \(names.joined(separator: ", "))")
        }
    }
}
