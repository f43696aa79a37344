import Foundation

@testable import OAuthCore

/// The OAuth 2.0 token response parser on any status, media type and body. Input: a status
/// byte, a media-type byte, then the body.
enum TokenResponseTarget {
    static let statuses = [200, 201, 204, 299, 301, 400, 401, 403, 404, 429, 500, 502, 503, 100, 0, 999]
    static let mediaTypes: [String?] = [
        "application/json", "application/json; charset=utf-8", "application/x-www-form-urlencoded",
        "text/plain", "TEXT/PLAIN ; charset=x", "text/html", "", nil,
    ]
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func run(_ bytes: [UInt8]) {
        guard bytes.count >= 2 else { return }
        let status = statuses[Int(bytes[0] % UInt8(statuses.count))]
        let mediaType = mediaTypes[Int(bytes[1] % UInt8(mediaTypes.count))]
        let body = Array(bytes.dropFirst(2))
        let headers: [(name: String, value: String)] = mediaType.map { [(name: "Content-Type", value: $0)] } ?? []
        let response = HTTPTransportResponse(status: status, headers: headers, body: body)

        do {
            let token = try TokenResponseParser.parse(response, now: now)
            require(!token.accessToken.isEmpty && !token.tokenType.isEmpty, "a token without an access token or type")
            if let expiresAt = token.expiresAt {
                require(expiresAt >= now, "a token that expired before it was issued")
            }
        } catch {
            checkExcerpt(of: error, body: body)
        }
        if let error = TokenResponseParser.error(in: response) {
            require(!(200..<300).contains(status), "a success status read as an error")
            checkExcerpt(of: error, body: body)
        }
    }

    /// An error never quotes a body that might hold a credential, and quotes at most 160 characters.
    static func checkExcerpt(of error: OAuth2Error, body: [UInt8]) {
        guard case .unexpectedResponse(_, _, let excerpt) = error else { return }
        require(excerpt.count <= 161, "an excerpt longer than 160 characters")
        let lowered = excerpt.lowercased()
        require(
            !lowered.contains("token") && !lowered.contains("secret"),
            "an excerpt that names a token or secret: \(excerpt)")
    }
}
