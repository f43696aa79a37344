import OAuthCore
import Vault

/// Before anything runs, every APICall's OAuth section must resolve to a usable connection:
/// a vault id, the Legacy connection kept for an inline config (created on first use), or an
/// Add New connection (created once, then logged in). All problems are reported together,
/// so no agent half-runs and then stops on a missing login.
public struct Preflight: Sendable {
    /// The team's vault, where connections are found or created.
    public let vault: Vault
    /// The team's broker, which checks that a resolved connection can hand out a credential.
    public let broker: TokenBroker
    /// Logs a connection in (the CLI prints the URL and waits for the callback); nil means
    /// non-interactive: a connection that needs a login is a problem.
    public let login: (@Sendable (Connection) async throws -> Void)?

    /// A pre-flight over `vault`; `login` authenticates a connection that needs it (nil: report it instead).
    public init(vault: Vault, broker: TokenBroker, login: (@Sendable (Connection) async throws -> Void)?) {
        self.vault = vault
        self.broker = broker
        self.login = login
    }

    /// What the sections resolved to.
    public struct Resolution: Sendable {
        /// APICall component id → vault connection id.
        public var connections: [String: String] = [:]
        /// Add New sections whose connection was created or found: component id → connection.
        public var addedNew: [String: Connection] = [:]
    }

    /// Resolves every APICall's OAuth section of `agent`, creating Legacy and Add New connections and logging in where needed.
    public func resolve(_ agent: Agent, agentID: String) async throws(PreflightError) -> Resolution {
        var resolution = Resolution()
        var problems: [ValidationIssue] = []
        var storeUnavailable = false
        func problem(_ component: Component, _ field: String, _ message: String) {
            problems.append(
                ValidationIssue(
                    isUnsupported: false, componentID: component.id, title: component.title,
                    path: (agent.isWrapped ? "data." : "")
                        + "\(component.jsonPath).data\(field.isEmpty ? "" : "." + field)",
                    message: message))
        }
        for component in agent.components where component.type == "APICall" {
            let section = OAuthSection(data: component.data, catalog: vault.catalog)
            do {
                switch section {
                case .none:
                    continue
                case .invalid(let message):
                    problem(component, "", message)
                case .vault(let id):
                    do { resolution.connections[component.id] = try await vault.connection(id).id } catch .notFound {
                        problem(component, "oauth_con_id", "no vault connection \(id) in this team")
                    } catch {
                        // Not "no such connection": the store could not say (a database restart).
                        if case .storage = error { storeUnavailable = true }
                        problem(component, "oauth_con_id", "connection \(id) cannot be read: \(error.message)")
                    }
                case .legacy(let kind, let input):
                    let connection = try await legacyConnection(
                        agentID: agentID, component: component, kind: kind, input: input)
                    resolution.connections[component.id] = connection.id
                case .addNew(let kind, let name, let input):
                    let resolved = try await resolveKeys(input)
                    let connection: Connection
                    if let existing = try await vault.connection(kind: kind, name: name) {
                        connection = existing
                    } else {
                        connection = try await vault.add(kind: kind, name: name, input: resolved)
                    }
                    resolution.connections[component.id] = connection.id
                    resolution.addedNew[component.id] = connection
                }
            } catch VaultError.invalidConnection(let fieldProblems) {
                // Each problem at its field in the section: the inline fields sit in `data`, Add New's in `oauth_new`.
                func path(_ field: ConnectionField) -> String {
                    if case .addNew = section { return "oauth_new." + field.rawValue }
                    return field == .kind ? "oauthService" : field.rawValue
                }
                for fieldProblem in fieldProblems {
                    problem(component, path(fieldProblem.field), fieldProblem.sentence(naming: path))
                }
            } catch let error as VaultError {
                if case .storage = error { storeUnavailable = true }
                problem(component, "", error.message)
            } catch {
                problem(component, "", String(describing: error))
            }
        }
        // Every connection must give a credential now; a missing login is done here or reported.
        for (componentID, connectionID) in resolution.connections.sorted(by: { $0.key < $1.key }) {
            guard let component = agent.component(componentID) else { continue }
            do {
                _ = try await broker.credential(for: connectionID)
            } catch {
                switch error {
                case .needsAuth, .needsReauth:
                    if let login, let connection = try? await vault.connection(connectionID) {
                        do {
                            try await login(connection)
                            _ = try await broker.credential(for: connectionID)
                        } catch {
                            problem(component, "oauth_con_id", "login for \(connectionID) failed: \(error)")
                        }
                    } else {
                        problem(
                            component, "oauth_con_id",
                            error.description + " (or run without --non-interactive to log in now)")
                    }
                case .storeUnavailable:
                    storeUnavailable = true
                    problem(component, "oauth_con_id", error.description)
                default:
                    problem(component, "oauth_con_id", error.description)
                }
            }
        }
        if !problems.isEmpty { throw PreflightError(problems: problems, storeUnavailable: storeUnavailable) }
        return resolution
    }

    /// Finds the Legacy connection of this agent and component, creating it from the inline
    /// fields the first time and updating it when the fields changed.
    public func legacyConnection(agentID: String, component: Component, kind: String, input: ConnectionInput)
        async throws -> Connection
    {
        let input = try await resolveKeys(input)
        if let existing = try await vault.legacyConnection(agentID: agentID, componentID: component.id) {
            let unchanged = existing.kind == kind ? await matches(existing, input) : false
            if !unchanged {
                return try await vault.edit(existing.id, kind: kind == existing.kind ? nil : kind, input: input)
            }
            return existing
        }
        let name = component.title.isEmpty ? "Legacy \(component.id)" : "\(component.title) (Legacy)"
        return try await vault.add(
            kind: kind, name: name, input: input,
            legacy: Connection.LegacyOrigin(agentID: agentID, componentID: component.id))
    }

    /// True when the stored connection already has these inline values.
    private func matches(_ connection: Connection, _ input: ConnectionInput) async -> Bool {
        guard let secrets = try? await vault.secrets(of: connection.id) else { return false }
        for (field, value) in input.text {
            let stored = connection.settings.value(of: field) ?? secrets.value(of: field)
            if stored != value { return false }
        }
        if let scopes = input.scopes {
            let wanted = scopes.flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) }
            if connection.settings.scopes != wanted { return false }
        }
        return true
    }

    /// Fills `{{KEY(NAME)}}` in the fields from the vault's keys.
    func resolveKeys(_ input: ConnectionInput) async throws -> ConnectionInput {
        var input = input
        for (field, value) in input.text where value.contains("{{KEY(") {
            let template = try Template(value)
            let keys = await VaultKeySnapshot(vault: vault, names: Set(template.referencedKeys))
            input.text[field] = try template.render(.text, value: { _ in nil }, key: { try keys.value($0) })
        }
        return input
    }
}
