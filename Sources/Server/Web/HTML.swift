import Hummingbird
import NIOCore
import Vault

/// Small helpers for the server-rendered pages: escaping and the page frame.
enum HTML {
    static func escape(_ text: String) -> String {
        CallbackRoutes.escape(text)
    }

    static func page(title: String, body: String, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) · Keyflow</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>
            body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
            header{background:#1d2330;color:#fff;padding:.8em 1.5em}header a{color:#fff;margin-right:1.2em;text-decoration:none}
            main{max-width:64em;margin:1.5em auto;padding:0 1.5em}
            table{width:100%;border-collapse:collapse;background:#fff}th,td{text-align:left;padding:.5em .6em;border-bottom:1px solid #e3e6ea}
            .badge{background:#f0c36d;border-radius:.6em;padding:0 .5em;font-size:.85em;margin-left:.4em}
            .status-ready{color:#18794e}.status-needs-auth{color:#8a6d00}.status-needs-reauth,.status-error{color:#b42318}
            form.inline{display:inline}button{cursor:pointer;margin:.1em}.error{color:#b42318}
            dialog{border:1px solid #ccd;border-radius:.5em;max-width:34em;width:90%}
            label{display:block;margin:.5em 0 .2em}input[type=text],input[type=password],input[type=url],select,textarea{width:100%;box-sizing:border-box;padding:.35em}
            </style></head><body>
            <header><strong>Keyflow</strong> &nbsp; <a href="/vault">Vault</a></header>
            <main>\(body)</main></body></html>
            """
        var headers = extra
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action 'self' *"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func redirect(_ location: String, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }
}
