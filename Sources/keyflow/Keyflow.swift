import ArgumentParser
import Foundation
import Vault

/// The `keyflow` command line: thin commands over the OAuthCore, Vault and Runtime modules.
@main
struct Keyflow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyflow",
        abstract: "Run API workflows that use saved OAuth connections.",
        discussion: """
            Exit codes: 0 success, 1 failure, 2 bad input. Secrets on output are masked (••••1234).
            """,
        subcommands: [
            DemoCommand.self, RunCommand.self, ValidateCommand.self, InspectCommand.self, VaultCommand.self,
            ModelsCommand.self, ServeCommand.self, WorkerCommand.self, UsersCommand.self, AgentsCommand.self,
            DatabaseCommand.self, AuditCommand.self,
            OAuth1Command.self,
            PKCECommand.self,
        ])

    /// The user running the CLI, as the audit trail names them: `$USER`, else the account's
    /// name (a container's root has no `$USER`).
    static var userName: String {
        let environment = ProcessInfo.processInfo.environment
        if let user = environment["USER"] ?? environment["LOGNAME"], !user.isEmpty { return user }
        let name = ProcessInfo.processInfo.userName
        return name.isEmpty ? "unknown" : name
    }

    /// Runs the command, mapping errors to the documented exit codes: usage errors and
    /// `CLIError` are bad input (2); anything else is a failure (1).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                // Whatever the command does in the Vault is recorded as this user's.
                Attribution.processActor = "cli:" + Self.userName
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("Error: \(error.description)\n".utf8))
            Foundation.exit(2)
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch let error as CommandFailure {
            FileHandle.standardError.write(Data("Error: \(error.description)\n".utf8))
            Foundation.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)  // --help and --version print and exit 0
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(code == .validationFailure ? 2 : 1)
        }
    }
}
