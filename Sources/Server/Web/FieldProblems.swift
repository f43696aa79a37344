import OAuthCore

/// Validation problems placed next to the form fields they name. The validator names fields
/// by their CLI flag (`--token-url`), which a page shows as the field's label instead.
struct FieldProblems {
    var byField: [String: [String]] = [:]
    /// Problems that name no field shown on the form; they go above it.
    var general: [String] = []

    /// What `form_errors.mustache` shows above a rejected form.
    struct Summary {
        var general: [String]
        var secretsDropped: Bool
    }

    init(_ problems: [String], catalog: ProviderCatalog, shown: Set<String>) {
        for problem in problems {
            var text = problem
            var named: [String] = []
            // Longest flags first, so a flag that is the start of a longer one is not mistaken for it.
            for field in catalog.fields.sorted(by: { $0.flag.count > $1.flag.count }) where text.contains("--" + field.flag) {
                named.append(field.id)
                text = text.replacingOccurrences(of: "--" + field.flag, with: "“\(field.label)”")
            }
            if problem.hasPrefix("name:") { named.append("name") }
            named = named.filter(shown.contains)
            if named.isEmpty { general.append(text) }
            for id in named { byField[id, default: []].append(text) }
        }
    }

    /// The messages to put right after a field's control.
    func messages(for field: String) -> [String] {
        byField[field] ?? []
    }

    /// The problems that belong to no field, plus a reminder that secrets must be typed again.
    func summary(secretsDropped: Bool) -> Summary {
        Summary(general: general, secretsDropped: secretsDropped)
    }
}
