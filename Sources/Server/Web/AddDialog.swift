import OAuthCore
import Runtime
import Vault

/// The Add OAuth Connection dialog: a Select Provider dropdown of the seven kinds, and the
/// fields of the chosen kind (shown by a few lines of JavaScript from the catalog's data).
struct AddDialog {
    /// A submitted form that did not validate: shown again, open, with each problem next to
    /// its field. Secrets are not sent back; the user types them again.
    struct Rejected {
        var form: [String: String]
        var problems: [String]
    }

    let catalog: ProviderCatalog
    let home: KeyflowHome

    /// - Parameter attachAgent: set on the agents page: the new connection is then selected
    ///   in that agent's component (the dropdown fills in `attach_component`).
    func render(csrf: String, attachAgent: String? = nil, rejected: Rejected? = nil) -> String {
        let form = rejected?.form ?? [:]
        var attach = ""
        if let attachAgent {
            attach = "<input type=\"hidden\" name=\"attach_agent\" value=\"\(HTML.escape(attachAgent))\">"
                + "<input type=\"hidden\" name=\"attach_component\" id=\"attach-component\" value=\"\(HTML.escape(form["attach_component"] ?? ""))\">"
        }
        let chosenKind = form["kind"] ?? catalog.kinds.first?.id ?? ""
        let kind = catalog.kind(id: chosenKind)
        let problems = FieldProblems(rejected?.problems ?? [], catalog: catalog,
                                     shown: Set((kind?.requiredFields ?? []) + (kind?.optionalFields ?? []) + ["name"]))
        let options = catalog.kinds.map { kind -> String in
            "<option value=\"\(kind.id)\"\(kind.id == chosenKind ? " selected" : "")>\(HTML.escape(kind.displayName))</option>"
        }.joined()
        var fields = ""
        for field in catalog.fields {
            // Secrets are never echoed back into the page.
            let value = field.secret ? "" : HTML.escape(form[field.id] ?? "")
            let type = field.secret ? "password" : (field.type == .url ? "url" : "text")
            let control: String
            switch field.type {
            case .bool: control = "<input type=\"checkbox\" name=\"\(field.id)\"\(form[field.id] == "on" ? " checked" : "")>"
            case .file: control = "<textarea name=\"\(field.id)\" rows=\"4\" placeholder=\"-----BEGIN PRIVATE KEY-----\"></textarea>"
            case .enum:
                control = "<select name=\"\(field.id)\"><option value=\"\">default</option>"
                    + (field.values ?? []).map { "<option\($0 == form[field.id] ? " selected" : "")>\(HTML.escape($0))</option>" }.joined()
                    + "</select>"
            default: control = "<input type=\"\(type)\" name=\"\(field.id)\" value=\"\(value)\" autocomplete=\"off\">"
            }
            fields += "<div class=\"field\" data-field=\"\(field.id)\"><label>\(HTML.escape(field.label)) \(control)</label>\(problems.html(for: field.id))</div>"
        }
        // Which fields each kind shows; prefilled kinds show only credentials and scopes.
        let kinds = catalog.kinds.map { kind -> String in
            let shown = (kind.requiredFields + kind.optionalFields).filter { $0 != "allowedHosts" || !kind.isPrefilled }
            return "\"\(kind.id)\": {\"fields\": [\(shown.map { "\"\($0)\"" }.joined(separator: ","))], \"oauth1\": \(kind.protocol == .oauth1)}"
        }.joined(separator: ",")
        let generalErrors = rejected == nil ? "" : problems.summary(secretsDropped: true)
        return """
            <dialog id="add-dialog"><form method="post" action="/vault/connections">
            <h2>Add OAuth Connection</h2><input type="hidden" name="csrf" value="\(csrf)">\(attach)
            \(generalErrors)
            <label>Select Provider <select name="kind" id="kind">\(options)</select></label>
            <div class="field-name"><label>Name <input type="text" name="name" value="\(HTML.escape(form["name"] ?? ""))" required></label>\(problems.html(for: "name"))</div>
            \(fields)
            <label>Callback Path (copy it into the provider's allowed redirect URIs)
            <input type="text" id="callback" readonly value="\(HTML.escape(home.oauth2CallbackURL))"></label>
            <p><button type="submit" id="add-submit">Add Connection</button>
            <button type="button" onclick="this.closest('dialog').close()">Cancel</button></p></form></dialog>
            <script>
            const kinds = {\(kinds)};
            const kind = document.getElementById('kind');
            function showFields() {
              const spec = kinds[kind.value];
              document.querySelectorAll('#add-dialog .field').forEach(div => {
                div.style.display = spec.fields.includes(div.dataset.field) ? '' : 'none';
              });
              document.getElementById('callback').value = spec.oauth1 ? \("\"" + home.oauth1CallbackURL + "\"") : \("\"" + home.oauth2CallbackURL + "\"");
            }
            kind.addEventListener('change', showFields);
            showFields();
            \(rejected == nil ? "" : "document.getElementById('add-dialog').showModal();")
            </script>
            """
    }
}
