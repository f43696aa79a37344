import Mustache

/// The pages' mustache templates, compiled into the binary (`Web/Templates/*.mustache`).
/// Mustache escapes every `{{value}}` for HTML; templates use `{{{…}}}` only for the
/// layout's body, which is the output of another template, and for an agent's graph, which
/// `AgentGraphSVG` builds with every text escaped.
enum Templates {
    /// A template that is missing or does not parse: a bug caught by the tests, never data.
    struct Broken: Error, CustomStringConvertible {
        let description: String
    }

    /// Each template's name (its partial name too) and its text.
    static let sources: [(name: String, bytes: [UInt8])] = [
        ("layout", PackageResources.layout_mustache),
        ("vault", PackageResources.vault_mustache),
        ("add_dialog", PackageResources.add_dialog_mustache),
        ("field_errors", PackageResources.field_errors_mustache),
        ("form_errors", PackageResources.form_errors_mustache),
        ("edit", PackageResources.edit_mustache),
        ("agents", PackageResources.agents_mustache),
        ("agent", PackageResources.agent_mustache),
        ("signin", PackageResources.signin_mustache),
        ("login", PackageResources.login_mustache),
        ("error", PackageResources.error_mustache),
        ("wrong_browser", PackageResources.wrong_browser_mustache),
        ("revisions", PackageResources.revisions_mustache),
        ("runs", PackageResources.runs_mustache),
        ("run", PackageResources.run_mustache),
        ("models", PackageResources.models_mustache),
        ("activity", PackageResources.activity_mustache),
    ]

    /// Parsed once. A file's last newline is dropped, so a partial adds no line break of its own.
    static let library: Result<MustacheLibrary, Broken> = {
        var library = MustacheLibrary()
        for (name, bytes) in sources {
            var text = String(decoding: bytes, as: UTF8.self)
            if text.hasSuffix("\n") { text.removeLast() }
            do { try library.register(text, named: name) } catch {
                return .failure(Broken(description: "template \(name) does not parse: \(error)"))
            }
        }
        return .success(library)
    }()

    /// Renders `model` (a struct whose properties the template names) with template `name`.
    static func render(_ name: String, _ model: Any) throws -> String {
        guard let text = try library.get().render(model, withTemplate: name) else {
            throw Broken(description: "no template \(name)")
        }
        return text
    }
}
