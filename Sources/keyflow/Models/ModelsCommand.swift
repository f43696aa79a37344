import ArgumentParser
import Foundation
import Vault

/// `keyflow models`: which provider, base URL and connection each model name of the LLM steps
/// resolves to.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Route the model names LLM steps use to a provider and a vault connection.",
        subcommands: [ModelsListCommand.self, ModelsAddCommand.self, ModelsRemoveCommand.self])

    /// The flag (or argument) that sets each field, for messages.
    static func flag(for field: ModelField) -> String {
        switch field {
        case .name: return "NAME"
        case .provider: return "--provider"
        case .baseURL: return "--base-url"
        case .connection: return "--connection"
        case .upstreamModel: return "--as"
        }
    }
}

/// `keyflow models list [--json]`.
struct ModelsListCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the model routes.")
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let vault = try await VaultSession.open(storeOptions)
        let models = try await VaultSession.run { try await vault.models() }
        if json {
            print(JSONOutput.array(models.map(ModelPresenter.json)))
        } else if models.isEmpty {
            print("No models yet. Add one with keyflow models add NAME --provider openai --connection ID.")
        } else {
            print(ModelPresenter.table(models))
        }
    }
}

/// `keyflow models add NAME --provider P [--base-url URL] [--connection ID] [--as UPSTREAM]`.
struct ModelsAddCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Route a model name (adding it, or replacing the route of that name).",
        discussion: """
            The base URL defaults to the provider's (https://api.openai.com/v1, https://api.anthropic.com/v1);
            openai-compatible needs one. It must be https:// to a public host, or http:// to a loopback host
            (a model on this machine). The connection's allowed hosts must include the base URL's origin.
            """)
    @Argument(help: "The model name LLM steps use (gpt-4o-mini, claude-3.5-haiku, llama3.1).") var name: String
    @Option(help: "openai, anthropic or openai-compatible.") var provider: String
    @Option(name: .customLong("base-url"), help: "Where the provider's API is (default: the provider's).")
    var baseURL: String?
    @Option(help: "The vault connection whose key is sent (optional for openai-compatible only).")
    var connection: String?
    @Option(name: .customLong("as"), help: "The model id sent to the provider, when it differs from NAME.")
    var upstreamModel: String?

    func run() async throws {
        guard let llmProvider = LLMProvider(rawValue: provider.trimmingCharacters(in: .whitespaces).lowercased())
        else {
            throw CLIError(
                "--provider: must be one of \(LLMProvider.names.joined(separator: ", ")), not \"\(provider)\"")
        }
        let vault = try await VaultSession.open(storeOptions)
        let route = try await VaultSession.run {
            try await vault.putModel(
                name: name, provider: llmProvider, baseURL: baseURL, connection: connection,
                upstreamModel: upstreamModel)
        }
        let connectionName = try await ModelPresenter.connectionName(route, in: vault)
        print("Saved model \(route.name):")
        print(ModelPresenter.details(route, connectionName: connectionName))
    }
}

/// `keyflow models remove NAME`.
struct ModelsRemoveCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a model route.")
    @Argument(help: "The model name.") var name: String

    func run() async throws {
        let vault = try await VaultSession.open(storeOptions)
        guard try await VaultSession.run({ try await vault.removeModel(named: name) }) else {
            throw CLIError("model \(name) does not exist (keyflow models list shows the models)")
        }
        print("Removed model \(name).")
    }
}
