import OAuthCore
import Runtime
import Vault

/// The Add OAuth Connection dialog: a Select Provider dropdown of the seven kinds, and the
/// fields of the chosen kind (shown by a few lines of JavaScript from the catalog's data).
struct AddDialog {
    let catalog: ProviderCatalog
    let home: KeyflowHome

    func render(csrf: String) -> String {
        let options = catalog.kinds.map { "<option value=\"\($0.id)\">\(HTML.escape($0.displayName))</option>" }.joined()
        var fields = ""
        for field in catalog.fields {
            let type = field.secret ? "password" : (field.type == .url ? "url" : "text")
            let control: String
            switch field.type {
            case .bool: control = "<input type=\"checkbox\" name=\"\(field.id)\">"
            case .file: control = "<textarea name=\"\(field.id)\" rows=\"4\" placeholder=\"-----BEGIN PRIVATE KEY-----\"></textarea>"
            case .enum:
                control = "<select name=\"\(field.id)\"><option value=\"\">default</option>"
                    + (field.values ?? []).map { "<option>\(HTML.escape($0))</option>" }.joined() + "</select>"
            default: control = "<input type=\"\(type)\" name=\"\(field.id)\" autocomplete=\"off\">"
            }
            fields += "<div class=\"field\" data-field=\"\(field.id)\"><label>\(HTML.escape(field.label)) \(control)</label></div>"
        }
        // Which fields each kind shows; prefilled kinds show only credentials and scopes.
        let kinds = catalog.kinds.map { kind in
            let shown = (kind.requiredFields + kind.optionalFields).filter { $0 != "allowedHosts" || !kind.isPrefilled }
            return "\"\(kind.id)\": {\"fields\": [\(shown.map { "\"\($0)\"" }.joined(separator: ","))], \"oauth1\": \(kind.protocol == .oauth1)}"
        }.joined(separator: ",")
        return """
            <dialog id="add-dialog"><form method="post" action="/vault/connections">
            <h2>Add OAuth Connection</h2><input type="hidden" name="csrf" value="\(csrf)">
            <label>Select Provider <select name="kind" id="kind">\(options)</select></label>
            <label>Name <input type="text" name="name" required></label>
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
            </script>
            """
    }
}
