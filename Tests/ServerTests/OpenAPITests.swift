import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OAuthCore
import Server
import TestSupport
import Testing

/// docs/openapi.yaml and the server agree: every documented operation is served (it answers
/// from a handler, not the router's bare 404/405), and each answers with a documented status.
struct OpenAPITests {
    struct Operation: CustomTestStringConvertible, Sendable {
        let method: String
        let path: String
        let statuses: Set<Int>
        var testDescription: String { "\(method) \(path)" }
    }

    /// A small reader for the shape of our own spec: paths, methods and response codes.
    static let operations: [Operation] = {
        guard let text = try? Repository.text("docs/openapi.yaml") else { return [] }
        var operations: [Operation] = []
        var path: String?
        var method: String?
        var statuses: Set<Int> = []
        var inPaths = false
        func flush() {
            if let path, let method { operations.append(Operation(method: method, path: path, statuses: statuses)) }
            method = nil
            statuses = []
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            if line.hasPrefix("components:") { flush(); inPaths = false }
            guard inPaths else { continue }
            if line.hasPrefix("  /") {
                flush()
                path = String(line.dropFirst(2).dropLast())
            } else if let verb = ["get", "post", "put", "patch", "delete"].first(where: { line == "    \($0):" }) {
                flush()
                method = verb.uppercased()
            } else if line.hasPrefix("        '"), let code = Int(line.dropFirst(9).prefix(3)) {
                statuses.insert(code)
            }
        }
        flush()
        return operations
    }()

    @Test func theSpecListsEveryEndpoint() {
        #expect(Self.operations.count == 28)
    }

    /// In a one-line `{…}` mapping a comma ends the value: an unquoted description with a comma
    /// turns the rest of it into keys without schemas (schemathesis crashed on one).
    @Test func noFlowMappingDescriptionIsCutAtAComma() throws {
        let text = try Repository.text("docs/openapi.yaml")
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.contains("{") && line.contains("description: ") {
            guard let start = line.range(of: "description: ")?.upperBound else { continue }
            let value = line[start...]
            if value.hasPrefix("'") || value.hasPrefix("\"") { continue }
            // Whatever follows a comma must be the mapping's next key.
            for piece in value.split(separator: ",").dropFirst() {
                let next = piece.drop { $0 == " " }
                let key = next.prefix { $0.isLetter || $0 == "$" || $0 == "_" }
                #expect(
                    !key.isEmpty && next.dropFirst(key.count).hasPrefix(":"),
                    "docs/openapi.yaml:\(number + 1): a comma cuts this description; quote it")
            }
        }
    }

    @Test(arguments: operations)
    func everyDocumentedOperationIsServedWithADocumentedStatus(_ operation: Operation) async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, _) = try await ConnectionsAPITests.app(transport: transport)
        let uri = operation.path.replacingOccurrences(of: "{id}", with: "kc_missing").replacingOccurrences(
            of: "{name}", with: "missing"
        )
        .replacingOccurrences(of: "{version}", with: "1")
        try await app.test(.router) { client in
            let body: ByteBuffer? =
                ["POST", "PUT", "PATCH"].contains(operation.method) ? ByteBuffer(string: "{}") : nil
            let response = try await client.execute(
                uri: uri, method: .init(operation.method)!,
                headers: body == nil ? [:] : ConnectionsAPITests.json, body: body)
            #expect(
                operation.statuses.contains(Int(response.status.code)),
                "\(operation.method) \(uri) answered \(response.status.code)")
            if response.status == .notFound {
                #expect(
                    String(buffer: response.body).contains("\"error\""),
                    "a bare router 404: \(operation.method) \(operation.path) is not served")
            }
        }
    }
}
