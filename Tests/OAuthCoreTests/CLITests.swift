import Foundation
import OAuthCore
import TestSupport
import Testing

/// The two debugging commands, run as a process.
struct CLITests {
    static let rfcExample = [
        "oauth1", "sign", "--method", "GET", "--url",
        "http://photos.example.net/photos?file=vacation.jpg&size=original",
        "--consumer-key", "dpf43f3p2l4k3l03", "--consumer-secret", "kd94hf93k423kf44",
        "--token", "nnch734d00sl2jdk", "--token-secret", "pfkkdhi9sl3r4s00",
        "--nonce", "chapoH", "--timestamp", "137131202", "--no-version",
    ]

    @Test func oauth1SignPrintsEveryStepAndMasksCredentials() throws {
        let result = try KeyflowCLI.run(Self.rfcExample)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let after = { (heading: String) in lines.firstIndex(of: heading).map { lines[$0 + 1] } }
        #expect(
            after("Normalized parameters:")?.hasPrefix(
                "file=vacation.jpg&oauth_consumer_key=dpf43f3p2l4k3l03&oauth_nonce=chapoH") == true)
        #expect(
            after("Signature base string:")?.hasPrefix(
                "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg") == true)
        #expect(after("Signature (HMAC-SHA1):") == "MdpQcU8iPSUjWoN/UDMsK2sui9I=")
        #expect(
            after("Authorization header:")?.hasPrefix("Authorization: OAuth oauth_consumer_key=\"dpf43f3p2l4k3l03\"")
                == true)
        for secret in ["kd94hf93k423kf44", "pfkkdhi9sl3r4s00", "nnch734d00sl2jdk"] {
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "\(secret) leaked")
        }
        #expect(result.stdout.contains("••••2jdk"))
    }

    @Test func revealShowsTheRealHeaderAndWarns() throws {
        let result = try KeyflowCLI.run(Self.rfcExample + ["--reveal", "--json"])
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String])
        #expect(json["signature"] == "MdpQcU8iPSUjWoN/UDMsK2sui9I=")
        #expect(json["authorization_header"]?.contains("oauth_token=\"nnch734d00sl2jdk\"") == true)
        #expect(result.stderr.contains("unmasked"))
    }

    @Test func secretsCanComeFromStandardInput() throws {
        var arguments = Self.rfcExample
        arguments[arguments.firstIndex(of: "kd94hf93k423kf44")!] = "-"
        let result = try KeyflowCLI.run(arguments, stdin: "kd94hf93k423kf44\n")
        #expect(result.status == 0)
        #expect(result.stdout.contains("MdpQcU8iPSUjWoN/UDMsK2sui9I="))
    }

    @Test func plaintextSignaturesAreMaskedBecauseTheyAreTheSecrets() throws {
        let result = try KeyflowCLI.run([
            "oauth1", "sign", "--url", "https://api.example.com/", "--consumer-key", "k",
            "--consumer-secret", "consumer-secret-value", "--signature-method", "plaintext",
        ])
        #expect(result.status == 0)
        #expect(!result.stdout.contains("consumer-secret-value"))
    }

    @Test func rsaSHA1SignsWithAPEMFile() throws {
        let result = try KeyflowCLI.run([
            "oauth1", "sign", "--url", "https://api.example.com/", "--consumer-key", "k",
            "--signature-method", "RSA-SHA1", "--private-key",
            Repository.url("fixtures/keys/rsa-1024-test.pem").path, "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String])
        #expect(Data(base64Encoded: json["signature"] ?? "")?.count == 128)  // a 1024-bit signature
        #expect(!result.stdout.contains("PRIVATE KEY"))
    }

    @Test(arguments: [
        (["oauth1", "sign", "--url", "not-a-url", "--consumer-key", "k"], "--url"),
        (
            ["oauth1", "sign", "--url", "https://a.example/", "--consumer-key", "k", "--signature-method", "MD5"],
            "--signature-method"
        ),
        (
            ["oauth1", "sign", "--url", "https://a.example/", "--consumer-key", "k", "--signature-method", "RSA-SHA1"],
            "--private-key"
        ),
        (
            [
                "oauth1", "sign", "--url", "https://a.example/", "--consumer-key", "k", "--signature-method",
                "RSA-SHA1",
                "--private-key", "/nonexistent.pem",
            ], "/nonexistent.pem"
        ),
        (["oauth1", "sign", "--url", "https://a.example/", "--consumer-key", "k", "--form", "novalue"], "--form"),
        (["pkce", "--length", "20"], "--length"),
    ])
    func badInputSaysWhatAndWhereAndExitsTwo(arguments: [String], mentions: String) throws {
        let result = try KeyflowCLI.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains(mentions), "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func pkcePrintsAVerifierAndItsChallenge() throws {
        let result = try KeyflowCLI.run(["pkce", "--json"])
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String])
        let pkce = try #require(PKCE(verifier: json["code_verifier"] ?? ""))
        #expect(json["code_challenge"] == pkce.challenge)
        #expect(json["code_challenge_method"] == "S256")
    }
}
