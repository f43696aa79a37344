import Foundation
import OAuthCore
import Synchronization

/// An `HTTPTransport` that records requests and answers them with a closure, for unit tests
/// of request building and response parsing (the real flows run against Authlib).
public final class RecordingTransport: HTTPTransport {
    private let responder: @Sendable (HTTPTransportRequest) throws -> HTTPTransportResponse
    private let recorded = Mutex<[HTTPTransportRequest]>([])

    public init(_ responder: @escaping @Sendable (HTTPTransportRequest) throws -> HTTPTransportResponse) {
        self.responder = responder
    }

    /// Answers every request with `status` and a JSON `body`.
    public convenience init(status: Int = 200, json: String, contentType: String = "application/json") {
        self.init { _ in
            HTTPTransportResponse(status: status, headers: [("Content-Type", contentType)], body: Array(json.utf8))
        }
    }

    public var requests: [HTTPTransportRequest] { recorded.withLock { $0 } }

    public func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse {
        recorded.withLock { $0.append(request) }
        return try responder(request)
    }
}

extension HTTPTransportRequest {
    /// The form body decoded into a dictionary (last value wins).
    public var form: [String: String] {
        var fields: [String: String] = [:]
        for pair in FormEncoding.decode(String(decoding: body ?? [], as: UTF8.self)) { fields[pair.name] = pair.value }
        return fields
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}
