import Testing
import Vault

/// Typed field problems: the Vault says what is wrong, each layer names the field.
struct FieldProblemTests {
    static let required = FieldProblem.Reason.required(kind: "Custom OAuth 2.0", kindID: "custom-oauth2")

    @Test func eachLayerNamesTheFieldItsOwnWay() {
        let problem = FieldProblem("tokenURL", .invalidURL("not a URL"))
        #expect(problem.sentence(naming: { "--" + $0.rawValue }) == "--tokenURL: not a URL")
        #expect(problem.sentence(naming: { "fields." + $0.rawValue }) == "fields.tokenURL: not a URL")
        #expect(problem.reason.code == "invalid_url")
    }

    @Test func requiredAndNotApplicableFieldsReadAsOneSentenceEach() {
        let notForIt = FieldProblem.Reason.notApplicable(
            kind: "Google", kindID: "google", accepted: ["clientID", "scopes"])
        let problems = [
            FieldProblem(.name, .empty), FieldProblem("consumerKey", notForIt), FieldProblem("tokenURL", Self.required),
            FieldProblem("audience", notForIt), FieldProblem("clientID", Self.required),
        ]
        #expect(
            FieldProblem.sentences(problems, naming: \.rawValue) == [
                "name: must not be empty",
                "consumerKey, audience do not apply to Google (google); it takes: clientID, scopes",
                "Custom OAuth 2.0 (custom-oauth2) needs tokenURL, clientID",
            ])
        #expect(
            FieldProblem.sentences([problems[1]], naming: \.rawValue) == [
                "consumerKey does not apply to Google (google); it takes: clientID, scopes"
            ])
        #expect(
            VaultError.invalidConnection(problems).message.hasPrefix(
                "name: must not be empty; consumerKey, audience do not apply"))
    }
}
