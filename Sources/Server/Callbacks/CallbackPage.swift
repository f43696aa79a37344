import Hummingbird
import NIOCore
import Vault

/// The page `keyflow vault auth`'s listener answers a callback with: no layout, no style of
/// its own (the listener has no static files and the policy allows nothing inline).
public enum CallbackPage {
    /// "Connected" (200) or "Login failed" with the reason (400), with the headers every page has.
    public static func response(for outcome: CallbackRoutes.Outcome) -> Response {
        let (status, title, detail): (HTTPResponse.Status, String, String)
        switch outcome {
        case .success(let connection):
            (status, title, detail) = (.ok, "Connected", "“\(connection.name)” is ready. You can close this window.")
        case .failure(let error):
            (status, title, detail) = (.badRequest, "Login failed", String(describing: error))
        }
        let html = """
            <!doctype html><html><head><meta charset="utf-8"><title>Keyflow: \(escape(title))</title>
            </head><body><h1>\(escape(title))</h1><p>\(escape(detail))</p></body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        PageHeaders.apply(to: &headers)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// HTML-escapes text (provider error descriptions are attacker-controlled).
    public static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
