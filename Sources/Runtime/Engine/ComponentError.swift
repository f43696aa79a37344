import Foundation
import OAuthCore
import Vault

/// A component's failure; `value(of:)` is what an `_error` branch receives.
public struct ComponentError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in words.
    public let message: String
    /// The HTTP status of a failed request, when there was one.
    public var status: Int?
    /// The response body of a failed request, when there was one.
    public var body: JSONValue?
    /// Outputs that still flow on (an API's `Response` and `Headers` on a non-2xx).
    public var outputs: [String: JSONValue]

    /// A failure with its message and, for an HTTP step, the response.
    public init(message: String, status: Int? = nil, body: JSONValue? = nil, outputs: [String: JSONValue] = [:]) {
        self.message = message
        self.status = status
        self.body = body
        self.outputs = outputs
    }

    public var description: String { message }

    static func value(of error: Error) -> JSONValue {
        var object = JSONObject([("message", .string(String(describing: error)))])
        if let error = error as? ComponentError {
            if let status = error.status { object["status"] = .number(Double(status)) }
            if let body = error.body { object["body"] = body }
        }
        return .object(object)
    }
}
