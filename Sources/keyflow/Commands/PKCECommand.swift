import ArgumentParser
import OAuthCore

/// `keyflow pkce`: a fresh RFC 7636 verifier and its S256 challenge, for trying a provider by hand.
struct PKCECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pkce",
        abstract: "Print a fresh PKCE code verifier and its S256 challenge.")

    @Option(help: "Verifier length, 43 to 128 characters.")
    var length: Int = 64

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard (43...128).contains(length) else {
            throw ValidationError("--length must be between 43 and 128 (RFC 7636 section 4.1), not \(length)")
        }
    }

    func run() throws {
        let pkce = PKCE(length: length)
        if json {
            print(
                JSONOutput.object([
                    ("code_verifier", .string(pkce.verifier)),
                    ("code_challenge", .string(pkce.challenge)),
                    ("code_challenge_method", .string(PKCE.method)),
                ]))
        } else {
            print("code_verifier:         \(pkce.verifier)")
            print("code_challenge:        \(pkce.challenge)")
            print("code_challenge_method: \(PKCE.method)")
        }
    }
}
