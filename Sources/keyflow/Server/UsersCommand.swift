import Accounts
import ArgumentParser
import Vault

/// `keyflow users`: people who use the server, each in one team.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Manage the users of keyflow serve.",
        subcommands: [Add.self, List.self, RotateToken.self, Remove.self])

    struct Add: AsyncParsableCommand {
        @OptionGroup var storeOptions: StoreOptions
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add a user to a team and print their API token (shown once).")
        @Argument(help: "The user's name.") var name: String
        @Option(help: "The team; everyone in a team shares its connections.") var team: String

        func run() async throws {
            let vault = try await VaultSession.open(storeOptions)
            let (user, token) = try await VaultSession.run {
                try await Users.add(name: name, team: team, store: vault.accounts)
            }
            print(token)
            print("Added \(user.name) to team \(user.team). The token above is shown once; only its hash is stored.")
            print("Use it as Authorization: Bearer <token> with the API, or paste it at /signin in the web UI.")
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var storeOptions: StoreOptions
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List users and their teams (never tokens).")

        func run() async throws {
            let vault = try await VaultSession.open(storeOptions)
            for user in try await VaultSession.run({ try await vault.accounts.users() }) {
                print("\(user.id)  \(user.team)  \(user.name)")
            }
        }
    }

    struct RotateToken: AsyncParsableCommand {
        @OptionGroup var storeOptions: StoreOptions
        static let configuration = CommandConfiguration(
            commandName: "rotate-token",
            abstract:
                "Give a user a new API token (printed once); the old one and all their browser sessions end at once.")
        @Argument(help: "The user's name (or id, when names repeat).") var name: String
        @Option(help: "The user's team, when several users share the name.") var team: String?

        func run() async throws {
            let vault = try await VaultSession.open(storeOptions)
            let (user, token) = try await VaultSession.run {
                let accounts = try vault.accounts
                let user = try await Users.find(name, team: team, store: accounts)
                return (user, try await Users.rotateToken(of: user, store: accounts))
            }
            print(token)
            print(
                "New token for \(user.name) (team \(user.team)), shown once. The old token no longer works and their browser sessions have ended."
            )
        }
    }

    struct Remove: AsyncParsableCommand {
        @OptionGroup var storeOptions: StoreOptions
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove a user; their token and browser sessions end at once.")
        @Argument(help: "The user's name (or id, when names repeat).") var name: String
        @Option(help: "The user's team, when several users share the name.") var team: String?

        func run() async throws {
            let vault = try await VaultSession.open(storeOptions)
            let user = try await VaultSession.run {
                let accounts = try vault.accounts
                let user = try await Users.find(name, team: team, store: accounts)
                try await Users.remove(user, store: accounts)
                return user
            }
            print("Removed \(user.name) from team \(user.team); their token and browser sessions no longer work.")
        }
    }
}
