import Foundation
import Vault

/// How `keyflow serve` (or the CLI's one-shot callback listener) is reached from outside:
/// `KEYFLOW_PUBLIC_URL`, by default `http://127.0.0.1:8787`. Providers send users back to
/// its callback URLs, the request boundary answers to its host, and an https URL makes the
/// session cookie Secure.
public struct PublicURL: Sendable, Equatable, CustomStringConvertible {
    /// `http://127.0.0.1:8787`, where `keyflow serve` listens by default.
    public static let `default` = PublicURL("http://127.0.0.1:8787")

    /// Scheme, host and port, without a trailing slash.
    public let base: String

    /// The public URL `text`, with trailing slashes dropped.
    public init(_ text: String) {
        var base = text
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
    }

    /// `KEYFLOW_PUBLIC_URL`, or the default when it is unset or empty.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> PublicURL
    {
        environment["KEYFLOW_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : PublicURL($0) } ?? .default
    }

    /// The callback URLs under this URL, for the login flows and for users to register.
    public var callbacks: CallbackURLs { CallbackURLs(base: base) }

    /// Whether browsers reach it over TLS (so cookies may be marked Secure).
    public var isHTTPS: Bool { base.lowercased().hasPrefix("https://") }

    /// The base URL.
    public var description: String { base }
}
