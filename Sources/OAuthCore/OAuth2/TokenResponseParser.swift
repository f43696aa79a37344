import Foundation

/// Turns a token endpoint's HTTP response into a token or a typed error.
enum TokenResponseParser {
    /// Parses a response to a token request made at `now`.
    static func parse(_ response: HTTPTransportResponse, now: Date) throws(OAuth2Error) -> OAuth2Token {
        let fields = decodeFields(response)
        if let code = fields?["error"] as? String, !code.isEmpty {
            // Some providers (GitHub among them) send errors with status 200.
            throw .provider(
                code: OAuth2ErrorCode(rawValue: code),
                description: fields?["error_description"] as? String,
                status: response.status)
        }
        guard (200..<300).contains(response.status),
            let fields,
            let accessToken = fields["access_token"] as? String, !accessToken.isEmpty
        else {
            throw unexpected(response, parsed: fields)
        }
        let tokenType = (fields["token_type"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? "Bearer"
        let lifetime = seconds(fields["expires_in"]) ?? seconds(fields["expires"])
        return OAuth2Token(
            accessToken: accessToken,
            tokenType: tokenType,
            refreshToken: (fields["refresh_token"] as? String).flatMap { $0.isEmpty ? nil : $0 },
            expiresAt: lifetime.map { now.addingTimeInterval($0) },
            scope: scope(fields["scope"]),
            refreshTokenExpiresAt: refreshLifetime(fields).map { now.addingTimeInterval($0) })
    }

    /// Parses an error-only response (revocation): nil when the status is a success.
    static func error(in response: HTTPTransportResponse) -> OAuth2Error? {
        if (200..<300).contains(response.status) { return nil }
        let fields = decodeFields(response)
        if let code = fields?["error"] as? String, !code.isEmpty {
            return .provider(
                code: OAuth2ErrorCode(rawValue: code), description: fields?["error_description"] as? String,
                status: response.status)
        }
        return unexpected(response, parsed: fields)
    }

    /// JSON (RFC 6749) or, for providers that predate it, a form-encoded body.
    private static func decodeFields(_ response: HTTPTransportResponse) -> [String: Any]? {
        let body = response.body
        guard !body.isEmpty else { return nil }
        let mediaType = response.mediaType ?? ""
        if mediaType == "application/x-www-form-urlencoded" || mediaType == "text/plain" {
            let text = String(decoding: body, as: UTF8.self)
            if !text.hasPrefix("{") {
                return FormEncoding.fields(text)
            }
        }
        return (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// `expires_in` as a JSON number or a numeric string; zero, negative or garbage is "unknown".
    private static func seconds(_ value: Any?) -> TimeInterval? {
        let number: Double?
        switch value {
        case let value as NSNumber: number = value.doubleValue
        case let value as String: number = Double(value.trimmingCharacters(in: .whitespaces))
        default: number = nil
        }
        guard let number, number.isFinite, number > 0 else { return nil }
        return number
    }

    /// How long the refresh token lives, where the provider says: `refresh_token_expires_in`
    /// (LinkedIn, Microsoft's `refresh_token_expires_in`, GitHub Apps) or `x_refresh_token_expires_in`
    /// (Intuit QuickBooks); nil when absent or not a positive number.
    private static func refreshLifetime(_ fields: [String: Any]) -> TimeInterval? {
        seconds(fields["refresh_token_expires_in"]) ?? seconds(fields["x_refresh_token_expires_in"])
    }

    /// Scope as a string or, from a few providers, an array.
    private static func scope(_ value: Any?) -> String? {
        if let string = value as? String { return string.isEmpty ? nil : string }
        if let array = value as? [String] { return array.joined(separator: " ") }
        return nil
    }

    private static func unexpected(_ response: HTTPTransportResponse, parsed: [String: Any]?) -> OAuth2Error {
        .unexpectedResponse(status: response.status, mediaType: response.mediaType, excerpt: excerpt(of: response.body))
    }

    /// At most 160 characters of the body, tags stripped and whitespace collapsed; empty when
    /// the body might contain a credential.
    static func excerpt(of body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        let lowered = text.lowercased()
        if lowered.contains("token") || lowered.contains("secret") { return "" }
        var stripped = ""
        var inTag = false
        for character in text {
            if character == "<" { inTag = true; stripped.append(" "); continue }
            if character == ">" { inTag = false; continue }
            if !inTag { stripped.append(character) }
        }
        let collapsed = stripped.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        // Stripping can join a word back together (`access>_token`), so check what is shown too.
        let shown = collapsed.lowercased()
        if shown.contains("token") || shown.contains("secret") { return "" }
        return collapsed.count > 160 ? String(collapsed.prefix(160)) + "…" : collapsed
    }
}
