import ArgumentParser
import Foundation
import OAuthCore
import Runtime
import Vault

/// `keyflow vault migrate AGENT`: each Legacy inline OAuth section becomes a shared vault
/// connection, and the file is rewritten to reference it (the original is kept as FILE.bak).
struct VaultMigrateCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Turn an agent's Legacy inline OAuth sections into shared vault connections.")
    @Argument(help: "The .smyth agent file.") var agent: String

    func run() async throws {
        let loaded: Agent
        do { loaded = try AgentLoader.load(path: agent) } catch { throw CLIError(error.description) }
        let vault = try await VaultSession.open(storeOptions)
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let preflight = Preflight(vault: vault, broker: TokenBroker(vault: vault, transport: transport), login: nil)
        let agentID = AgentInspection.agentID(of: loaded)
        var migrated: [String: Connection] = [:]
        for component in loaded.components where component.type == "APICall" {
            guard case .legacy(let kind, let input) = OAuthSection(data: component.data, catalog: vault.catalog) else {
                continue
            }
            let legacy: Connection
            do {
                legacy = try await preflight.legacyConnection(
                    agentID: agentID, component: component, kind: kind, input: input)
            } catch VaultError.invalidConnection(let problems) {
                // The fields are the inline section's keys in the agent file, not this command's flags.
                let field: (ConnectionField) -> String = { $0 == .kind ? "oauthService" : $0.rawValue }
                let sentences = FieldProblem.sentences(problems, naming: field)
                throw CLIError(sentences.map { "\(agent): component \(component.id): \($0)" }.joined(separator: "\n"))
            } catch {
                throw VaultSession.cliError(error)
            }
            let name =
                legacy.name.hasSuffix(" (Legacy)") ? String(legacy.name.dropLast(" (Legacy)".count)) : legacy.name
            migrated[component.id] = try await VaultSession.run { try await vault.promoteLegacy(legacy.id, name: name) }
        }
        guard !migrated.isEmpty else {
            print("\(agent) has no Legacy OAuth sections; nothing to do.")
            return
        }
        let inlineFields = [
            "oauthService", "scope", "authorizationURL", "tokenURL", "clientID", "clientSecret", "requestTokenURL",
            "accessTokenURL", "userAuthorizationURL", "consumerKey", "consumerSecret", "oauth2CallbackURL",
            "callbackURL",
            "oauth1CallbackURL",
        ]
        if try AgentFileWriter.rewrite(
            path: agent, agent: loaded,
            change: { data, componentID in
                guard let connection = migrated[componentID] else { return false }
                data["oauth_con_id"] = .string(connection.id)
                for field in inlineFields { data[field] = nil }
                data["oauthService"] = .string("None")
                return true
            })
        {
            FileHandle.standardError.write(Data("note: rewrote \(agent) (backup in \(agent).bak)\n".utf8))
        }
        for (componentID, connection) in migrated.sorted(by: { $0.key < $1.key }) {
            print(
                "\(componentID): now uses \(connection.id) “\(connection.name)” (\(connection.kind), \(connection.status.rawValue))"
            )
        }
    }
}
