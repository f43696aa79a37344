import Foundation
import Hummingbird
import OAuthCore
import Vault

/// The Models page (`/models`): the team's model routes, an Add form and a Remove button per
/// row (`models.mustache`). Every POST carries the session's CSRF token; every request sees
/// only its own team's routes and connections. `Vault.putModel` does all the checking.
struct ModelsPage {
    /// The whole vault; each request sees its team's part (`WebAuthentication` sets the team).
    let root: Vault

    func add(to router: RouterGroup<KeyflowRequestContext>) {
        router.get("/models") { request, context in
            let csrf = CSRF.token(context)
            return HTML.page(
                title: "Models", body: try await render(try root.forTeam(of: context), csrf: csrf),
                viewer: .init(context, csrf: csrf), notice: VaultPage.query(request)["notice"])
        }
        router.post("/models") { request, context in
            let form = try await CSRF.checkedForm(request, context)
            let vault = try root.forTeam(of: context)
            let csrf = CSRF.token(context)
            let saved: ModelRoute
            do {
                guard let provider = LLMProvider(rawValue: form["provider"] ?? "") else {
                    throw VaultError.invalidModel([
                        ModelProblem(.provider, "must be one of \(LLMProvider.names.joined(separator: ", "))")
                    ])
                }
                saved = try await vault.putModel(
                    name: form["name"] ?? "", provider: provider, baseURL: form["baseURL"],
                    connection: form["connection"], upstreamModel: form["upstreamModel"])
            } catch VaultError.invalidModel(let problems) {
                // Nothing was saved; the form comes back as it was sent, with the problems.
                let errors = problems.map { $0.sentence(naming: Self.label(for:)) }
                return HTML.page(
                    title: "Models", body: try await render(vault, csrf: csrf, form: form, errors: errors),
                    viewer: .init(context, csrf: csrf), status: .unprocessableContent)
            }
            return HTML.redirect("/models?notice=" + PercentEncoding.encode("Saved model \(saved.name)."))
        }
        router.post("/models/remove") { request, context in
            let form = try await CSRF.checkedForm(request, context)
            let name = form["name"] ?? ""
            let removed = try await root.forTeam(of: context).removeModel(named: name)
            let notice = removed ? "Removed model \(name)." : "model \(name) does not exist"
            return HTML.redirect("/models?notice=" + PercentEncoding.encode(notice))
        }
    }

    /// The form's label of each field, as the page's messages name them.
    static func label(for field: ModelField) -> String {
        switch field {
        case .name: return "Name"
        case .provider: return "Provider"
        case .baseURL: return "Base URL"
        case .connection: return "Connection"
        case .upstreamModel: return "Sent as"
        }
    }

    /// One row of the models table.
    struct Row {
        var name: String
        var provider: String
        var baseURL: String
        var connectionID: String?
        var connectionName: String?
        var sentAs: String
    }

    /// One option of a select.
    struct Option {
        var value: String
        var selected: Bool
    }

    /// One of the team's connections in the Connection select.
    struct ConnectionOption {
        var id: String
        var name: String
        var selected: Bool
    }

    /// The Add form's values (given back after a refusal).
    struct Form {
        var name = ""
        var baseURL = ""
        var upstreamModel = ""
    }

    /// What `models.mustache` shows.
    struct View {
        var csrf: String
        var models: [Row]
        var providers: [Option]
        var connections: [ConnectionOption]
        var form: Form
        var errors: [String]
        var hasErrors: Bool
    }

    func render(_ vault: Vault, csrf: String, form: [String: String] = [:], errors: [String] = []) async throws
        -> String
    {
        let connections = try await vault.list()
        let names = Dictionary(connections.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let rows = try await vault.models().map { route in
            Row(
                name: route.name, provider: route.provider.rawValue, baseURL: route.baseURL,
                connectionID: route.connection, connectionName: route.connection.flatMap { names[$0] },
                sentAs: route.modelSentToProvider)
        }
        let provider = form["provider"] ?? LLMProvider.openai.rawValue
        let view = View(
            csrf: csrf, models: rows,
            providers: LLMProvider.allCases.map { Option(value: $0.rawValue, selected: $0.rawValue == provider) },
            connections: connections.map {
                ConnectionOption(id: $0.id, name: $0.name, selected: $0.id == form["connection"])
            },
            form: Form(
                name: form["name"] ?? "", baseURL: form["baseURL"] ?? "", upstreamModel: form["upstreamModel"] ?? ""),
            errors: errors, hasErrors: !errors.isEmpty)
        return try Templates.render("models", view)
    }
}
