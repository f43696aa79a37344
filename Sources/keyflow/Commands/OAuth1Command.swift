import ArgumentParser

/// `keyflow oauth1`: OAuth 1.0a tools.
struct OAuth1Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oauth1",
        abstract: "OAuth 1.0a tools.",
        subcommands: [OAuth1SignCommand.self])
}
