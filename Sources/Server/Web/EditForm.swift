import Foundation
import OAuthCore
import Runtime
import Vault

/// The Edit form: the kind's fields with their current values; secrets appear only as
/// their mask and are kept unless a new value is typed.
struct EditForm {
    let vault: Vault

    /// - Parameter rejected: a submitted form that did not validate: its values are shown
    ///   again (secrets excepted) with each problem next to its field.
    func render(_ connection: Connection, csrf: String, rejected: AddDialog.Rejected? = nil) throws -> String {
        let kind = try vault.kind(of: connection)
        let secrets = try vault.secrets(of: connection.id)
        let ids = kind.requiredFields + kind.optionalFields
        let problems = FieldProblems(rejected?.problems ?? [], catalog: vault.catalog, shown: Set(ids + ["name"]))
        let form = rejected?.form
        var fields = ""
        for id in ids {
            guard let field = vault.catalog.field(id: id) else { continue }
            defer { fields += problems.html(for: id) }
            if field.secret {
                let mask = secrets.value(of: id).map { id == "privateKey" ? "set" : SecretMask.mask($0) } ?? "not set"
                let control = field.type == .file ? "<textarea name=\"\(id)\" rows=\"4\"></textarea>"
                    : "<input type=\"password\" name=\"\(id)\" autocomplete=\"off\" placeholder=\"\(HTML.escape(mask)) (unchanged unless replaced)\">"
                fields += "<label>\(HTML.escape(field.label)) \(control)</label>"
            } else if field.type == .bool {
                let on = form.map { $0[id] == "on" } ?? (connection.settings.value(of: id) == "true")
                let checked = on ? " checked" : ""
                fields += "<label><input type=\"checkbox\" name=\"\(id)\"\(checked)> \(HTML.escape(field.label))</label><input type=\"hidden\" name=\"\(id)_present\" value=\"1\">"
            } else {
                let value = form?[id] ?? connection.settings.value(of: id) ?? ""
                fields += "<label>\(HTML.escape(field.label)) <input type=\"text\" name=\"\(id)\" value=\"\(HTML.escape(value))\"></label>"
            }
        }
        return """
            <h1>Edit “\(HTML.escape(connection.name))”</h1>
            <p>Changing the client id or secret, a URL or the scopes signs the connection out; renaming does not.</p>
            \(rejected == nil ? "" : problems.summary(secretsDropped: false))
            <form method="post" action="/vault/connections/\(connection.id)/edit"><input type="hidden" name="csrf" value="\(csrf)">
            <label>Name <input type="text" name="name" value="\(HTML.escape(form?["name"] ?? connection.name))" required></label>\(problems.html(for: "name"))
            \(fields)
            <p><button type="submit">Save</button> <a href="/vault">Cancel</a></p></form>
            """
    }

    /// The submitted fields: empty secret boxes keep the stored secret; other fields are
    /// taken as typed (an emptied text field clears the setting).
    static func input(from form: [String: String]) -> ConnectionInput {
        var input = ConnectionInput()
        let secrets: Set<String> = ["clientSecret", "consumerSecret", "privateKey"]
        for (key, value) in form where !["csrf", "name", "scopes", "allowedHosts", "pkce", "bodyHash"].contains(key) && !key.hasSuffix("_present") {
            if secrets.contains(key) && value.isEmpty { continue }
            input.text[key] = value
        }
        if let scopes = form["scopes"], !scopes.trimmingCharacters(in: .whitespaces).isEmpty { input.scopes = [scopes] }  // empty: the kind's defaults
        if let hosts = form["allowedHosts"] { input.allowedHosts = hosts.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) }
        if form["pkce_present"] != nil { input.pkce = form["pkce"] == "on" }
        if form["bodyHash_present"] != nil { input.bodyHash = form["bodyHash"] == "on" }
        return input
    }
}
