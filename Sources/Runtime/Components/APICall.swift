import Foundation
import OAuthCore

/// APICall: an HTTP request built from templates, sent through the `AuthorizingTransport`
/// (which adds the saved connection's credential). `Response` is parsed by content type; a non-2xx answer
/// is a failure carrying the status and body, with `Response` and `Headers` still set.
struct APICall: ComponentRunner {
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    static let contentTypes = [
        "none", "application/json", "multipart/form-data", "binary", "application/x-www-form-urlencoded",
        "text/plain", "application/xml",
    ]

    let method: String
    let url: Template
    let headers: [(name: String, value: Template)]
    let contentType: String
    let body: Template?
    let timeout: Duration
    let connectionID: String?
    /// Where a URL with a templated origin may go; nil when the origin is the agent's text.
    let allowedHosts: AllowedHosts?
    /// `data.propagateTrace: true`: the request carries the run's W3C `traceparent` (off by
    /// default: a third-party API learns nothing of our traces unless the agent says so).
    let propagateTrace: Bool
    var mayWait: Bool { true }
    /// Every request it sends has `timeout`, and a token refresh has the broker's own.
    var boundsItsOwnWaits: Bool { true }

    init(_ component: Component, connectionID: String?) throws {
        method = (component.data["method"]?.stringValue ?? "GET").uppercased()
        url = try Template(component.data["url"]?.stringValue ?? "")
        headers = try Self.headerTemplates(component.data["headers"])
        contentType = component.data["contentType"]?.stringValue ?? "none"
        let bodyText: String? =
            switch component.data["body"] {
            case .string(let text)?: text.trimmingCharacters(in: .whitespacesAndNewlines)
            case nil, .null?: nil
            case let value?: JSONWriter.string(value)
            }
        body = try bodyText.flatMap { $0.isEmpty ? nil : try Template($0) }
        let seconds = component.data["timeout"].flatMap { SafeNumbers.finite(Template.text(of: $0)) } ?? 30
        timeout = SafeNumbers.duration(seconds: max(0.1, seconds))
        self.connectionID = connectionID
        propagateTrace = component.data["propagateTrace"].map { Template.text(of: $0) == "true" } ?? false
        do { allowedHosts = try AllowedHosts(component.data["allowedHosts"]) } catch {
            throw ComponentError(message: error.description)
        }
        if allowedHosts == nil, let first = URLTemplateRules.originPlaceholders(url).first {
            throw ComponentError(message: "url: " + Self.originMessage(first))
        }
    }

    /// Why a placeholder may not choose the scheme, host or port (the validator says the same).
    static func originMessage(_ placeholder: String) -> String {
        "\(placeholder) comes before the path, so input could choose the host the request (and its credential) goes to; "
            + "write the scheme and host in the URL, or list the hosts it may reach in data.allowedHosts"
    }

    /// Headers are an object or a JSON string holding one (what Studio writes).
    static func headerTemplates(_ value: JSONValue?) throws -> [(name: String, value: Template)] {
        var object: JSONObject
        switch value {
        case .object(let headers)?: object = headers
        case .string(let text)? where !text.trimmingCharacters(in: .whitespaces).isEmpty:
            guard let parsed = try? JSONParser.parse(text).objectValue else {
                throw ComponentError(message: "headers: not a JSON object")
            }
            object = parsed
        default: object = JSONObject()
        }
        return try object.map { ($0.key.lowercased(), try Template(Template.text(of: $0.value))) }
    }

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        let transport = try context.transport(connection: connectionID)
        let renderedURL = try context.render(url, .url, inputs: inputs)
        let target: RequestURL
        do { target = try RequestURL(renderedURL) } catch { throw ComponentError(message: "url: \(error.reason)") }
        if let allowedHosts, !allowedHosts.allows(target) {
            throw ComponentError(
                message:
                    "url: the host \(target.port.map { "\(target.host):\($0)" } ?? target.host) is not in allowedHosts (\(allowedHosts.description))"
            )
        }
        // A value inserted before the path (allowed by allowedHosts) goes in as it is, so the
        // path it produced is checked too.
        if !url.isConstant, URLTemplateRules.hasDotSegment(target.path) {
            throw ComponentError(
                message: "url: the rendered path has a . or .. segment, which would move the request to another path")
        }
        var request = HTTPTransportRequest(method: method, url: target)
        for header in headers {
            request.headers.append((header.name, try context.render(header.value, .plain, inputs: inputs)))
        }
        if let body, !["GET", "HEAD"].contains(method) {
            let (bytes, type) = try encodeBody(body, inputs: inputs, context: context)
            request.body = bytes
            if let type, !request.headers.contains(where: { $0.name == "content-type" }) {
                request.headers.append(("content-type", type))
            }
        }
        let began = ContinuousClock.now
        let limit = context.budget?.limits.maxResponseBytes
        let response: HTTPTransportResponse
        do {
            response = try await ComponentSpans.send(
                request, target: target, template: url.source, connectionID: connectionID, propagate: propagateTrace
            ) { try await transport.send($0, timeout: timeout) }
        } catch HTTPTransportError.responseTooLarge(_, let transportLimit) {
            throw Self.tooLarge(context.component, limit: limit ?? transportLimit)
        }
        if let limit, response.body.count > limit { throw Self.tooLarge(context.component, limit: limit) }
        let parsed = Self.parse(response)
        let trace = trace(request, target: target, response: response, elapsed: ContinuousClock.now - began)
        let headers = JSONValue.object(
            JSONObject(
                Dictionary(
                    response.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { "\($0), \($1)" }
                )
                .sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        guard (200..<300).contains(response.status) else {
            throw ComponentError(
                message: "HTTP \(response.status) from \(target.baseStringURI)", status: response.status, body: parsed,
                outputs: ["Response": parsed, "Headers": headers, TraceEntry.key: trace])
        }
        return ["Response": parsed, "Headers": headers, TraceEntry.key: trace]
    }

    /// The run error of a response body over the limit (the transport stopped reading it).
    static func tooLarge(_ component: Component, limit: Int) -> RunError {
        .limitExceeded(
            limit: .responseBytes, componentID: component.id,
            message:
                "the response to APICall \(component.id) is larger than the limit of \(limit) bytes (\(RunLimit.responseBytes.flag))"
        )
    }

    /// What the trace keeps of an exchange: the method, the URL without query values, header
    /// names (never values: one is the credential), whether a connection signed it, status,
    /// content type, size and time.
    func trace(_ request: HTTPTransportRequest, target: RequestURL, response: HTTPTransportResponse, elapsed: Duration)
        -> JSONValue
    {
        let queryNames = FormEncoding.decode(target.query ?? "").map(\.name)
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return .object(
            JSONObject([
                (
                    "request",
                    .object(
                        JSONObject([
                            ("method", .string(request.method)), ("url", .string(target.baseStringURI)),
                            ("query", .array(queryNames.map { .string("\($0)=••••") })),
                            ("headers", .array(request.headers.map { .string($0.name) })),
                            ("connection", connectionID.map(JSONValue.string) ?? .null),
                            ("body_bytes", .number(Double(request.body?.count ?? 0))),
                        ]))
                ),
                (
                    "response",
                    .object(
                        JSONObject([
                            ("status", .number(Double(response.status))),
                            (
                                "content_type",
                                response.headers.first { $0.name.lowercased() == "content-type" }.map {
                                    .string($0.value)
                                } ?? .null
                            ),
                            ("body_bytes", .number(Double(response.body.count))),
                            ("ms", .number((milliseconds * 10).rounded() / 10)),
                        ]))
                ),
            ]))
    }

    private func encodeBody(_ body: Template, inputs: [String: JSONValue], context: RunContext) throws -> (
        [UInt8], String?
    ) {
        switch contentType {
        case "application/json":
            return (Array(try context.render(body, .json, inputs: inputs).utf8), "application/json")
        case "application/x-www-form-urlencoded":
            if body.source.hasPrefix("{") {
                let rendered = try context.render(body, .json, inputs: inputs)
                if let object = try? JSONParser.parse(rendered).objectValue {
                    return (
                        Array(FormEncoding.encode(object.map { ($0.key, Template.text(of: $0.value)) }).utf8),
                        contentType
                    )
                }
            }
            return (Array(try context.render(body, .form, inputs: inputs).utf8), contentType)
        case "multipart/form-data":
            let rendered = try context.render(body, .json, inputs: inputs)
            guard let fields = try? JSONParser.parse(rendered).objectValue else {
                throw ComponentError(message: "body: multipart/form-data needs a JSON object of fields")
            }
            let boundary = "keyflow-" + UUID().uuidString
            var out = ""
            for (name, value) in fields {
                out +=
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name.replacingOccurrences(of: "\"", with: "%22"))\"\r\n\r\n"
                out += Template.text(of: value) + "\r\n"
            }
            out += "--\(boundary)--\r\n"
            return (Array(out.utf8), "multipart/form-data; boundary=\(boundary)")
        case "binary":
            let rendered = try context.render(body, .text, inputs: inputs)
            if rendered.hasPrefix("data:"), let comma = rendered.firstIndex(of: ",") {
                let header = rendered[rendered.index(rendered.startIndex, offsetBy: 5)..<comma]
                let payload = String(rendered[rendered.index(after: comma)...])
                let mime = header.split(separator: ";").first.map(String.init) ?? "application/octet-stream"
                return (
                    header.hasSuffix(";base64") ? Array(Data(base64Encoded: payload) ?? Data()) : Array(payload.utf8),
                    mime
                )
            }
            return (Array(Data(base64Encoded: rendered) ?? Data(rendered.utf8)), "application/octet-stream")
        case "text/plain", "application/xml":
            return (Array(try context.render(body, .text, inputs: inputs).utf8), contentType)
        default:
            return (Array(try context.render(body, .text, inputs: inputs).utf8), nil)
        }
    }

    /// JSON for JSON types (an empty body is `{}`), text for text types, and for anything
    /// else a description with the bytes in base64.
    static func parse(_ response: HTTPTransportResponse) -> JSONValue {
        if response.body.isEmpty { return .null }
        let type = response.mediaType ?? ""
        if type == "application/json" || type.hasSuffix("+json") || type == "application/graphql" {
            return (try? JSONParser.parse(response.body)) ?? .string(String(decoding: response.body, as: UTF8.self))
        }
        let textual =
            type.hasPrefix("text/")
            || [
                "application/xml", "application/xhtml+xml", "application/csv", "application/x-www-form-urlencoded",
                "application/x-yaml", "application/yaml", "application/javascript", "application/sql",
            ].contains(type)
        if textual || (type.isEmpty && String(validating: response.body, as: UTF8.self) != nil) {
            return .string(String(decoding: response.body, as: UTF8.self))
        }
        return .object(
            JSONObject([
                ("mimetype", .string(type.isEmpty ? "application/octet-stream" : type)),
                ("size", .number(Double(response.body.count))),
                ("base64", .string(Data(response.body).base64EncodedString())),
            ]))
    }
}
