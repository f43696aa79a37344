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
        let (byField, general) = placed(rejected?.problems ?? [], kind: catalog.kind(id: chosenKind))
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
            let errors = (byField[field.id] ?? []).map { "<span class=\"field-error\">\(HTML.escape($0))</span>" }.joined()
            fields += "<div class=\"field\" data-field=\"\(field.id)\"><label>\(HTML.escape(field.label)) \(control)</label>\(errors)</div>"
        }
        // Which fields each kind shows; prefilled kinds show only credentials and scopes.
        let kinds = catalog.kinds.map { kind -> String in
            let shown = (kind.requiredFields + kind.optionalFields).filter { $0 != "allowedHosts" || !kind.isPrefilled }
            return "\"\(kind.id)\": {\"fields\": [\(shown.map { "\"\($0)\"" }.joined(separator: ","))], \"oauth1\": \(kind.protocol == .oauth1)}"
        }.joined(separator: ",")
        let nameErrors = (byField["name"] ?? []).map { "<span class=\"field-error\">\(HTML.escape($0))</span>" }.joined()
        let generalErrors = general.isEmpty && rejected == nil ? "" : "<div class=\"error\" role=\"alert\" id=\"add-errors\">"
            + general.map { "<p>\(HTML.escape($0))</p>" }.joined() + "<p>Secrets were not kept: enter them again.</p></div>"
        return """
            <dialog id="add-dialog"><form method="post" action="/vault/connections">
            <h2>Add OAuth Connection</h2><input type="hidden" name="csrf" value="\(csrf)">\(attach)
            \(generalErrors)
            <label>Select Provider <select name="kind" id="kind">\(options)</select></label>
            <div class="field-name"><label>Name <input type="text" name="name" value="\(HTML.escape(form["name"] ?? ""))" required></label>\(nameErrors)</div>
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

    /// Puts each validation problem next to the fields it names (the validator names them by
    /// CLI flag, which the page shows as the field's label); the rest go above the form.
    func placed(_ problems: [String], kind: ProviderKind?) -> (byField: [String: [String]], general: [String]) {
        let shown = Set((kind?.requiredFields ?? []) + (kind?.optionalFields ?? []) + ["name"])
        var byField: [String: [String]] = [:]
        var general: [String] = []
        for problem in problems {
            var text = problem
            var named: [String] = []
            // Longest flags first, so `--client-id` is not mistaken for part of a longer one.
            for field in catalog.fields.sorted(by: { $0.flag.count > $1.flag.count }) where text.contains("--" + field.flag) {
                named.append(field.id)
                text = text.replacingOccurrences(of: "--" + field.flag, with: "“\(field.label)”")
            }
            if problem.hasPrefix("name:") { named.append("name") }
            named = named.filter(shown.contains)
            if named.isEmpty { general.append(text) }
            for id in named { byField[id, default: []].append(text) }
        }
        return (byField, general)
    }
}
