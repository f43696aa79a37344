import OAuthCore
import Synchronization

/// The vault values one run has rendered (`{{KEY(NAME)}}`), and the one place that masks
/// them in everything the run hands back: trace entries, error messages, `_error` values
/// and the result. A key templated into a URL path (`/bot{{KEY(TG)}}/sendMessage`) would
/// otherwise come back in the trace's URL and in "HTTP 404 from …".
final class VaultValueRedactor: Sendable {
    private let values = Mutex<[String]>([])

    /// Remembers a value that came from the vault; called by the run's key lookup.
    func record(_ value: String) {
        // Shorter than four characters would match too much ordinary text to be masked.
        guard value.count >= 4 else { return }
        values.withLock { values in
            guard !values.contains(value) else { return }
            values.append(value)
            // The longest first, so that a key containing another is masked whole.
            values.sort { $0.count > $1.count }
        }
    }

    /// True when nothing has been recorded, so there is nothing to mask.
    var isEmpty: Bool { values.withLock { $0.isEmpty } }

    /// `text` with every recorded value masked, in the forms it takes in a URL or JSON text.
    func redact(_ text: String) -> String {
        let secrets = values.withLock { $0 }
        guard !secrets.isEmpty else { return text }
        var text = text
        for secret in secrets {
            let mask = SecretMask.mask(secret)
            for form in Self.forms(of: secret) where text.contains(form) {
                text = text.replacingOccurrences(of: form, with: mask)
            }
        }
        return text
    }

    /// Every string inside `value` redacted (object keys too).
    func redact(_ value: JSONValue) -> JSONValue {
        guard !isEmpty else { return value }
        switch value {
        case .string(let text): return .string(redact(text))
        case .array(let values): return .array(values.map(redact))
        case .object(let object): return .object(JSONObject(object.map { (redact($0.key), redact($0.value)) }))
        case .null, .bool, .number: return value
        }
    }

    /// A run error with its message redacted.
    func redact(_ error: RunError) -> RunError {
        guard !isEmpty else { return error }
        switch error {
        case .noEndpoint(let reason): return .noEndpoint(redact(reason))
        case .componentFailed(let component, let type, let message):
            return .componentFailed(component: component, type: type, message: redact(message))
        case .limitExceeded(let limit, let componentID, let message):
            return .limitExceeded(limit: limit, componentID: componentID, message: redact(message))
        case .cancelled: return error
        }
    }

    /// The raw value and how templates and URL parsing may have written it: percent-encoded
    /// (with `/` kept, as in a path; once and twice), lower-cased (a host), JSON-escaped.
    static func forms(of secret: String) -> [String] {
        let encoded = PercentEncoding.encode(secret)
        var quoted = ""
        JSONWriter.quote(secret, into: &quoted)
        let candidates = [
            secret, encoded, encoded.replacingOccurrences(of: "%2F", with: "/"), PercentEncoding.encode(encoded),
            String(quoted.dropFirst().dropLast()), ASCII.lowercased(secret),
        ]
        var forms: [String] = []
        for form in candidates where !form.isEmpty && !forms.contains(form) { forms.append(form) }
        return forms
    }
}
