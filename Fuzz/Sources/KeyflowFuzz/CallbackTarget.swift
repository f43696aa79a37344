@testable import OAuthCore

/// AuthorizationCallback.parse. Input: the callback query, a NUL, the expected state, a NUL,
/// a code. A forged state is never believed, and a genuine callback built with FormEncoding
/// gives back its code.
enum CallbackTarget {
    static func run(_ bytes: [UInt8]) {
        let split = parts(bytes[...], count: 3)
        let query = text(split[0])
        let expected = text(split[1])
        let code = text(split[2])

        if let outcome = try? AuthorizationCallback.parse(query: query, expectedState: expected) {
            let state = FormEncoding.decode(query).first { $0.name == "state" }?.value
            require(state == expected && !expected.isEmpty, "a callback accepted with the wrong state")
            if case .code(let value) = outcome { require(!value.isEmpty, "an empty code accepted") }
        }

        guard !expected.isEmpty, !code.isEmpty else { return }
        let genuine = FormEncoding.encode([("code", code), ("state", expected)])
        let outcome = try? AuthorizationCallback.parse(query: genuine, expectedState: expected)
        require(outcome == .code(code), "a genuine callback was not read back: \(genuine)")
        let forged = FormEncoding.encode([("code", code), ("state", expected + "x")])
        require(
            (try? AuthorizationCallback.parse(query: forged, expectedState: expected)) == nil,
            "a forged state was accepted")
    }
}
