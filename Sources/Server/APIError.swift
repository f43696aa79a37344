import Foundation
import Hummingbird
import NIOCore
import Runtime
import Vault

/// JSON errors: `{"error": {"code", "message", "field"?, "problems"?}}` with a proper status.
/// `field` is the JSON path of the (first) field at fault; `problems` lists each field's.
public struct APIError: Error, HTTPResponseError {
    /// The HTTP status of the answer.
    public let status: HTTPResponse.Status
    /// A stable machine-readable code (`invalid_input`, `not_found`, ...).
    public let code: String
    /// The error in words, with no secret in it.
    public let message: String
    /// The JSON path of the (first) field at fault, if the error is about one.
    public let field: String?
    /// Every field at fault, when the input was checked field by field.
    public let problems: [Problem]

    /// One field's problem: its JSON path in the request body (`fields.tokenURL`), a stable
    /// reason code (`invalid_url`) and the problem in words.
    public struct Problem: Sendable, Equatable {
        /// The JSON path of the field in the request body.
        public var field: String
        /// A stable machine-readable reason (`FieldProblem.Reason.code`).
        public var reason: String
        /// The problem in words, naming fields by their JSON paths.
        public var message: String

        /// A problem with the field at `field`.
        public init(field: String, reason: String, message: String) {
            self.field = field
            self.reason = reason
            self.message = message
        }
    }

    /// An error with this status, code and message; `field` and `problems` say which input is at fault.
    public init(
        _ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil, problems: [Problem] = []
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field ?? problems.first?.field
        self.problems = problems
    }

    /// A 422 for a body field that is missing (`kind`, `name`).
    static func required(_ field: String) -> APIError {
        APIError(
            .unprocessableContent, "invalid_input", "\(field) is required",
            problems: [Problem(field: field, reason: "required", message: "\(field) is required")])
    }

    /// The JSON error body with this error's status.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var error = JSONObject([("code", .string(code)), ("message", .string(message))])
        if let field { error["field"] = .string(field) }
        if !problems.isEmpty {
            error["problems"] = .array(
                problems.map { problem in
                    .object(
                        JSONObject([
                            ("field", .string(problem.field)), ("reason", .string(problem.reason)),
                            ("message", .string(problem.message)),
                        ]))
                })
        }
        return JSONResponse.make(status, .object(JSONObject([("error", .object(error))])))
    }

    /// Maps vault errors: a missing (or another team's) connection is 404, never 403.
    static func from(_ error: Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as VaultError:
            switch error {
            case .notFound(let what): return APIError(.notFound, "not_found", "\(what) does not exist")
            case .invalidInput(let problems):
                return APIError(.unprocessableContent, "invalid_input", problems.joined(separator: "; "))
            case .invalidConnection(let problems):
                // The Vault names fields by catalog id; the API by their JSON paths in its bodies.
                let path = ConnectionsAPI.path(of:)
                return APIError(
                    .unprocessableContent, "invalid_input",
                    FieldProblem.sentences(problems, naming: path).joined(separator: "; "),
                    problems: problems.map {
                        Problem(field: path($0.field), reason: $0.reason.code, message: $0.sentence(naming: path))
                    })
            case .invalidModel(let problems):
                return APIError(
                    .unprocessableContent, "invalid_input", error.message,
                    problems: problems.map {
                        Problem(field: $0.field.rawValue, reason: "invalid", message: $0.sentence(naming: \.rawValue))
                    })
            case .connectionInUse: return APIError(.conflict, "connection_in_use", error.message)
            case .conflict: return APIError(.conflict, "conflict", error.message)
            case .ambiguous: return APIError(.unprocessableContent, "ambiguous", error.message)
            // The database is down or restarting: worth a retry, unlike a bug (500).
            case .storage: return APIError(.serviceUnavailable, "store_unavailable", error.message)
            default: return APIError(.internalServerError, "vault_error", error.message)
            }
        case FlowError.noLogin:
            // An API key has no login: the request is fine, the connection's kind says no.
            return APIError(.conflict, "no_login", String(describing: error))
        default:
            return APIError(.internalServerError, "internal", String(describing: error))
        }
    }
}

/// JSON responses from `JSONValue`s.
enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: JSONWriter.string(value))))
    }
}
