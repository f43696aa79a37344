import Accounts
import Foundation
import OAuthCore
import Vault

/// Opens the vault for one command and turns vault errors into the CLI's exit codes.
enum VaultSession {
    static var home: KeyflowHome { KeyflowHome.fromEnvironment() }
    /// `KEYFLOW_PUBLIC_URL`: where the callback listener (and `keyflow serve`) is reached.
    static var publicURL: PublicURL { PublicURL.fromEnvironment() }

    /// Opens the vault, telling the user (on stderr) when a new master key was created.
    static func open(_ storeOptions: StoreOptions) async throws -> Vault {
        let store = try await storeOptions.openStore()
        let opened: Vault.Opened
        do { opened = try await Vault.open(home: home, store: store) } catch { throw cliError(error) }
        if let keyFile = opened.createdKeyFile {
            Output.note(
                "created a new master key at \(keyFile.path) (mode 0600). Back it up: without it the vault cannot be opened."
            )
        }
        return opened.vault
    }

    /// Bad input (unknown id, invalid fields) exits 2; anything else 1.
    static func cliError(_ error: Error) -> Error {
        switch error {
        case let error as VaultError:
            switch error {
            case .invalidInput(let problems) where problems.count > 1:
                return CLIError(
                    "the input has \(problems.count) problems:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
                )
            case .invalidConnection(let problems):
                // The Vault names fields by catalog id; here they are the flags that set them.
                let catalog = try? ProviderCatalog.builtIn()
                let sentences = FieldProblem.sentences(problems) { ConnectionOptions.flag(for: $0, catalog: catalog) }
                return cliError(VaultError.invalidInput(sentences))
            case .invalidModel(let problems):
                // The Vault names fields by their Swift names; here they are the flags that set them.
                return cliError(VaultError.invalidInput(problems.map { $0.sentence(naming: ModelsCommand.flag(for:)) }))
            case .ambiguous(let ambiguity):
                // The Vault lists the candidates; here the way to choose is a flag.
                switch ambiguity {
                case .vaultFileTeams: return CLIError(ambiguity.sentence(choose: "choose one with --from-team"))
                case .userName: return CLIError(ambiguity.sentence(choose: "pass --team or the user's id"))
                }
            case .invalidInput, .notFound: return CLIError(error.message)
            default: return CommandFailure(error.message)
            }
        case let error as CLIError: return error
        case let error as CommandFailure: return error
        default: return CommandFailure(String(describing: error))
        }
    }

    /// Runs `body`, mapping its errors.
    static func run<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw cliError(error) }
    }

    static func run<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw cliError(error) }
    }
}

/// A command that could not do its job (exit code 1).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Where people read: results on stdout, notes and warnings on stderr.
enum Output {
    /// A line on stdout, unbuffered.
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("note: \(message)\n".utf8))
    }

    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    /// A fixed-width table with a header row.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    static func date(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
