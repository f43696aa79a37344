import Hummingbird
import NIOCore
import Vault

/// Small helpers for the server-rendered pages: escaping and the page frame.
enum HTML {
    static func escape(_ text: String) -> String {
        CallbackRoutes.escape(text)
    }

    /// Who sees a page: the header names a signed-in user and offers Sign out.
    struct Viewer {
        var userName: String?
        var team: String
        var csrf: String

        init(_ context: KeyflowRequestContext, csrf: String) {
            userName = context.userName
            team = context.team ?? Vault.localTeam
            self.csrf = csrf
        }
    }

    static func page(title: String, body: String, viewer: Viewer? = nil, status: HTTPResponse.Status = .ok,
                     headers extra: HTTPFields = [:]) -> Response {
        var account = ""
        if let viewer, let name = viewer.userName {
            account = "<span class=\"account\">\(escape(name)) · team \(escape(viewer.team))"
                + "<form class=\"inline\" method=\"post\" action=\"/signout\"><input type=\"hidden\" name=\"csrf\" value=\"\(viewer.csrf)\">"
                + "<button id=\"sign-out\">Sign out</button></form>"
                + "<form class=\"inline\" method=\"post\" action=\"/signout-everywhere\"><input type=\"hidden\" name=\"csrf\" value=\"\(viewer.csrf)\">"
                + "<button id=\"sign-out-everywhere\">Sign out everywhere</button></form></span>"
        }
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) · Keyflow</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>
            body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
            header{background:#1d2330;color:#fff;padding:.8em 1.5em}header a{color:#fff;margin-right:1.2em;text-decoration:none}.account{float:right}
            main{max-width:64em;margin:1.5em auto;padding:0 1.5em}
            table{width:100%;border-collapse:collapse;background:#fff}th,td{text-align:left;padding:.5em .6em;border-bottom:1px solid #e3e6ea}
            .badge{background:#f0c36d;border-radius:.6em;padding:0 .5em;font-size:.85em;margin-left:.4em}
            .status-ready{color:#18794e}.status-needs-auth{color:#8a6d00}.status-needs-reauth,.status-error{color:#b42318}
            form.inline{display:inline}button{cursor:pointer;margin:.1em}.error{color:#b42318}
            .notice{background:#e8f0fe;border-left:4px solid #3b6fd8;padding:.5em .8em}.field-error{color:#b42318;font-size:.9em;display:block}
            pre{background:#fff;padding:.6em;overflow:auto;border:1px solid #e3e6ea}.apicall{background:#fff;padding:.2em 1em;margin:.8em 0;border:1px solid #e3e6ea}
            dialog{border:1px solid #ccd;border-radius:.5em;max-width:34em;width:90%}
            label{display:block;margin:.5em 0 .2em}input[type=text],input[type=password],input[type=url],select,textarea{width:100%;box-sizing:border-box;padding:.35em}
            </style></head><body>
            <header><strong>Keyflow</strong> &nbsp; <a href="/vault">Vault</a><a href="/agents">Agents</a>\(account)</header>
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
