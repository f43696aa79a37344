import Foundation
import OAuthCore

/// The team's model routes: which provider, base URL and connection a model name resolves to.
/// The one place they are checked, so the CLI, the pages and any API save the same thing.
extension Vault {
    /// The longest name (and upstream model id) a route takes.
    public static let maximumModelNameLength = 200

    /// The team's model routes, by name.
    public func models() async throws(VaultError) -> [ModelRoute] {
        try await store.modelRoutes(team: team)
    }

    /// The team's route for this model name (trimmed), nil when it has none.
    public func model(named name: String) async throws(VaultError) -> ModelRoute? {
        try await store.modelRoute(team: team, name: name.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Adds the route for `name`, or replaces the team's route of that name (keeping when it was
    /// created). Empty strings count as not given. Checks everything first and reports every
    /// problem at once (`VaultError.invalidModel`), each naming its field: the name, the base
    /// URL (see `ModelBaseURL`; the provider's default when not given), and the connection,
    /// which must be the team's and allow the base URL's origin. Nothing is stored on a problem.
    @discardableResult
    public func putModel(
        name: String, provider: LLMProvider, baseURL: String? = nil, connection: String? = nil,
        upstreamModel: String? = nil
    ) async throws(VaultError) -> ModelRoute {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let connection = Self.given(connection)
        var upstream = Self.given(upstreamModel)
        if upstream == name { upstream = nil }
        var problems: [ModelProblem] = []
        if let problem = Self.modelNameProblem(name, field: .name) { problems.append(problem) }
        if let upstream, let problem = Self.modelNameProblem(upstream, field: .upstreamModel) {
            problems.append(problem)
        }
        var normalized: String?
        if let url = Self.given(baseURL) ?? provider.defaultBaseURL {
            switch ModelBaseURL.normalized(url) {
            case .success(let url): normalized = url
            case .failure(let problem): problems.append(problem)
            }
        } else {
            problems.append(ModelProblem(.baseURL, "\(provider.rawValue) has no default base URL; give one"))
        }
        if let connection {
            if let problem = try await connectionProblem(connection, baseURL: normalized) { problems.append(problem) }
        } else if provider.needsConnection {
            problems.append(
                ModelProblem(
                    .connection,
                    "\(provider.rawValue) needs a connection: the vault connection whose key is sent to the provider"))
        }
        guard problems.isEmpty, let normalized else { throw .invalidModel(problems) }
        let now = clock()
        let route = ModelRoute(
            team: team, name: name, provider: provider, baseURL: normalized, connection: connection,
            upstreamModel: upstream, createdAt: now, updatedAt: now)
        // The store checks the connection again in the same transaction as the write, so a
        // connection removed meanwhile is never left routed.
        guard let saved = try await store.putModelRoute(route) else {
            throw .invalidModel([Self.missingConnection(connection ?? "", team: team)])
        }
        return saved
    }

    /// Removes the team's route for this model name (trimmed); false when it had none.
    public func removeModel(named name: String) async throws(VaultError) -> Bool {
        try await store.deleteModelRoute(team: team, name: name.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Why `id` cannot carry a credential to `baseURL`: not the team's connection, or its
    /// allowed hosts do not take the base URL's origin. Nil when it can (or no URL to check).
    func connectionProblem(_ id: String, baseURL: String?) async throws(VaultError) -> ModelProblem? {
        guard ConnectionID.isWellFormed(id), let row = try await store.fetch(id: id, team: team) else {
            return Self.missingConnection(id, team: team)
        }
        guard let baseURL, let url = try? RequestURL(baseURL) else { return nil }
        let origins = try effectiveSettings(of: row).allowedOrigins
        if origins.contains(where: { $0.allows(url) }) { return nil }
        let entry = AllowedOrigin(of: url)?.description ?? url.origin
        return ModelProblem(
            .connection,
            "connection \(id) (\(row.name)) may not send its credential to \(url.origin); add \(entry) to its allowed hosts"
        )
    }

    static func missingConnection(_ id: String, team: String) -> ModelProblem {
        ModelProblem(.connection, "connection \(id) not found in team \(team)")
    }

    /// Why a model name (or upstream model id) is not one: empty, too long, or with a control character.
    static func modelNameProblem(_ name: String, field: ModelField) -> ModelProblem? {
        if name.isEmpty { return ModelProblem(field, "must not be empty") }
        if name.count > maximumModelNameLength {
            return ModelProblem(field, "must be at most \(maximumModelNameLength) characters")
        }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return ModelProblem(field, "must not contain control characters")
        }
        return nil
    }

    /// The value trimmed, nil when it is missing or empty.
    static func given(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }
}
