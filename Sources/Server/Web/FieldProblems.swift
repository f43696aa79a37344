import OAuthCore
import Vault

/// Validation problems placed next to the form fields they are about, each field called by
/// its label (“Token URL”), as the page shows it.
struct FieldProblems {
    var byField: [String: [String]] = [:]
    /// Problems about no field shown on the form; they go above it.
    var general: [String] = []

    /// What `form_errors.mustache` shows above a rejected form.
    struct Summary {
        var general: [String]
        var secretsDropped: Bool
    }

    init(_ problems: [FieldProblem], catalog: ProviderCatalog, shown: Set<String>) {
        func label(_ field: ConnectionField) -> String {
            "“\(field == .name ? "Name" : catalog.field(id: field.rawValue)?.label ?? field.rawValue)”"
        }
        for problem in problems where shown.contains(problem.field.rawValue) {
            byField[problem.field.rawValue, default: []].append(problem.sentence(naming: label))
        }
        general = FieldProblem.sentences(problems.filter { !shown.contains($0.field.rawValue) }, naming: label)
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
