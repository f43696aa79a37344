/// The redirect back from the provider after the user logged in (RFC 6749 section 4.1.2).
public enum AuthorizationCallback {
    /// What the callback carried once `state` matched.
    public enum Outcome: Sendable, Equatable {
        /// The user approved; exchange this code.
        case code(String)
        /// The provider refused (`access_denied` when the user said no), with its words.
        case denied(error: String, description: String?)
    }

    /// Reads a callback's query. The `state` must equal `expectedState` before anything
    /// else is believed (section 10.12): a forged callback must not even show its error.
    public static func parse(query: String, expectedState: String) throws(CallbackError) -> Outcome {
        let fields = FormEncoding.fields(query)
        guard let state = fields["state"], !state.isEmpty else { throw .missingState }
        guard ConstantTime.isEqual(state, expectedState) else { throw .stateMismatch }
        if let error = fields["error"], !error.isEmpty {
            return .denied(error: error, description: fields["error_description"])
        }
        guard let code = fields["code"], !code.isEmpty else { throw .missingCode }
        return .code(code)
    }
}
