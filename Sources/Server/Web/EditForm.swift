import Foundation
import OAuthCore
import Runtime
import Vault

/// The Edit form (`edit.mustache`): the kind's fields with their current values; secrets
/// appear only as their mask and are kept unless a new value is typed.
struct EditForm {
    let vault: Vault

    /// One field; exactly one of `secret`, `checkbox`, `text` is set.
    struct Field {
        var id: String
        var label: String
        var secret: Bool
        var file: Bool
        var mask: String
        var checkbox: Bool
        var checked: Bool
        var text: Bool
        var value: String
        var errors: [String]
    }

    /// What `edit.mustache` shows.
    struct View {
        var id: String
        var name: String
        var csrf: String
        var summary: FieldProblems.Summary?
        var nameValue: String
        var nameErrors: [String]
        var fields: [Field]
    }

    /// - Parameter rejected: a submitted form that did not validate: its values are shown
    ///   again (secrets excepted) with each problem next to its field.
    func render(_ connection: Connection, csrf: String, rejected: AddDialog.Rejected? = nil) async throws -> String {
        let kind = try vault.kind(of: connection)
        let secrets = try await vault.secrets(of: connection.id)
        let ids = kind.requiredFields + kind.optionalFields
        let problems = FieldProblems(rejected?.problems ?? [], catalog: vault.catalog, shown: Set(ids + ["name"]))
        let form = rejected?.form
        let fields = ids.compactMap { id -> Field? in
            guard let field = vault.catalog.field(id: id) else { return nil }
            var view = Field(
                id: id, label: field.label, secret: false, file: field.type == .file, mask: "", checkbox: false,
                checked: false,
                text: false, value: "", errors: problems.messages(for: id))
            if field.secret {
                view.secret = true
                view.mask = secrets.value(of: id).map { id == "privateKey" ? "set" : SecretMask.mask($0) } ?? "not set"
            } else if field.type == .bool {
                view.checkbox = true
                view.checked = form.map { $0[id] == "on" } ?? (connection.settings.value(of: id) == "true")
            } else {
                view.text = true
                view.value = form?[id] ?? connection.settings.value(of: id) ?? ""
            }
            return view
        }
        let view = View(
            id: connection.id, name: connection.name, csrf: csrf,
            summary: rejected == nil ? nil : problems.summary(secretsDropped: false),
            nameValue: form?["name"] ?? connection.name, nameErrors: problems.messages(for: "name"), fields: fields)
        return try Templates.render("edit", view)
    }

    /// The submitted fields: empty secret boxes keep the stored secret; other fields are
    /// taken as typed (an emptied text field clears the setting). A checkbox is sent only when
    /// ticked, so its `<id>_present` companion says that it was on the form, unticked.
    static func input(from form: [String: String], catalog: ProviderCatalog) -> ConnectionInput {
        var fields = form.filter { $0.key != "csrf" && !$0.key.hasSuffix("_present") }.map {
            (name: $0.key, value: $0.value)
        }
        for key in form.keys where key.hasSuffix("_present") {
            let id = String(key.dropLast("_present".count))
            if form[id] == nil { fields.append((name: id, value: "off")) }
        }
        return ConnectionInputDecoder(catalog: catalog, emptyValues: .clearSettingsKeepSecrets).decode(form: fields)
    }
}
