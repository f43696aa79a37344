import Foundation
import Hummingbird
import NIOCore
import Runtime
import Vault

/// JSON errors: `{"error": {"code", "message", "field"?}}` with a proper status.
public struct APIError: Error, HTTPResponseError {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let field: String?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var error = JSONObject([("code", .string(code)), ("message", .string(message))])
        if let field { error["field"] = .string(field) }
        return JSONResponse.make(status, .object(JSONObject([("error", .object(error))])))
    }

    /// Maps vault errors: a missing (or another team's) connection is 404, never 403.
    static func from(_ error: Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as VaultError:
            switch error {
            case .notFound(let what): return APIError(.notFound, "not_found", "\(what) does not exist")
            case .invalidInput(let problems): return APIError(.unprocessableContent, "invalid_input", problems.joined(separator: "; "),
                                                              field: problems.first.flatMap(Self.field(in:)))
            case .conflict: return APIError(.conflict, "conflict", error.message)
            default: return APIError(.internalServerError, "vault_error", error.message)
            }
        default:
            return APIError(.internalServerError, "internal", String(describing: error))
        }
    }

    /// The flag a validation message starts with (`--token-url: ...`), as a field name.
    static func field(in problem: String) -> String? {
        guard problem.hasPrefix("--"), let end = problem.firstIndex(where: { $0 == ":" || $0 == " " }) else { return nil }
        return String(problem[problem.index(problem.startIndex, offsetBy: 2)..<end])
    }
}

/// JSON responses from `JSONValue`s.
enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: JSONWriter.string(value))))
    }
}
