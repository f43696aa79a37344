import OAuthCore
import Runtime
import Vault

/// The Add OAuth Connection dialog (`add_dialog.mustache`): a Select Provider dropdown of the
/// eight kinds (the seven OAuth ones and API Key), and the fields of the chosen kind (shown by the static script from each
/// kind's `data-fields`).
struct AddDialog {
    /// A submitted form that did not validate: shown again, open, with each problem next to
    /// its field. Secrets are not sent back; the user types them again.
    struct Rejected {
        var form: [String: String]
        var problems: [FieldProblem]
    }

    let catalog: ProviderCatalog
    /// Where providers send users back, shown for each kind so users can register it.
    let callbacks: CallbackURLs

    /// A kind in the dropdown: the fields it shows (space-separated ids) and its callback URL.
    struct KindOption {
        var id: String
        var name: String
        var selected: Bool
        var fields: String
        var callback: String
    }

    /// A choice of an enum field.
    struct Choice {
        var value: String
        var selected: Bool
    }

    /// One field of the catalog; exactly one of `checkbox`, `file`, `choice`, `input` is set.
    struct Field {
        var id: String
        var label: String
        var hidden: Bool
        var checkbox: Bool
        var checked: Bool
        var file: Bool
        var choice: Bool
        var options: [Choice]
        var input: Bool
        var inputType: String
        var value: String
        var errors: [String]
    }

    /// The agent and component a connection made here is selected in once it is ready.
    struct Attach {
        var agent: String
        var component: String
    }

    /// What `add_dialog.mustache` shows.
    struct View {
        var csrf: String
        var open: Bool
        var attach: Attach?
        var summary: FieldProblems.Summary?
        var kinds: [KindOption]
        var nameValue: String
        var nameErrors: [String]
        var fields: [Field]
        var callback: String
    }

    /// - Parameter attachAgent: set on the agents page: the new connection is then selected
    ///   in that agent's component (the dropdown fills in `attach_component`).
    func view(csrf: String, attachAgent: String? = nil, rejected: Rejected? = nil) -> View {
        let form = rejected?.form ?? [:]
        let chosenKind = form["kind"] ?? catalog.kinds.first?.id ?? ""
        let kind = catalog.kind(id: chosenKind)
        let problems = FieldProblems(
            rejected?.problems ?? [], catalog: catalog,
            shown: Set((kind?.requiredFields ?? []) + (kind?.optionalFields ?? []) + ["name"]))
        // Which fields each kind shows; prefilled kinds show only credentials and scopes.
        func shown(_ kind: ProviderKind) -> [String] {
            (kind.requiredFields + kind.optionalFields).filter { $0 != "allowedHosts" || !kind.isPrefilled }
        }
        // Only a kind with a user login has a callback to register (not client credentials or API keys).
        func callback(_ kind: ProviderKind?) -> String {
            guard kind?.needsUserLogin ?? true else { return "" }
            return callbacks.url(for: kind?.protocol ?? .oauth2)
        }
        let kinds = catalog.kinds.map { kind in
            KindOption(
                id: kind.id, name: kind.displayName, selected: kind.id == chosenKind,
                fields: shown(kind).joined(separator: " "), callback: callback(kind))
        }
        let visible = Set(kind.map(shown) ?? [])
        let fields = catalog.fields.map { field in
            Field(
                id: field.id, label: field.label, hidden: !visible.contains(field.id),
                checkbox: field.type == .bool, checked: form[field.id] == "on",
                file: field.type == .file,
                choice: field.type == .enum,
                options: (field.values ?? []).map { Choice(value: $0, selected: $0 == form[field.id]) },
                input: ![ProviderField.ValueType.bool, .file, .enum].contains(field.type),
                inputType: field.secret ? "password" : (field.type == .url ? "url" : "text"),
                // Secrets are never echoed back into the page.
                value: field.secret ? "" : form[field.id] ?? "",
                errors: problems.messages(for: field.id))
        }
        return View(
            csrf: csrf, open: rejected != nil,
            attach: attachAgent.map { Attach(agent: $0, component: form["attach_component"] ?? "") },
            summary: rejected == nil ? nil : problems.summary(secretsDropped: true),
            kinds: kinds, nameValue: form["name"] ?? "", nameErrors: problems.messages(for: "name"),
            fields: fields, callback: callback(kind))
    }
}
