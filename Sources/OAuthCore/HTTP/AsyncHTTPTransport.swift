import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// `HTTPTransport` over AsyncHTTPClient. Redirects are never followed here: a token endpoint
/// that redirects is misconfigured, and following it would carry client credentials to
/// another place (the `AuthorizingTransport` of the Vault follows them by its rules, see `RedirectRules`). Every request's
/// destination is checked against an `AddressPolicy` on the address it connects to.
/// Call `shutdown()` when done.
public final class AsyncHTTPTransport: HTTPTransport {
    private let client: HTTPClient
    private let maxResponseBytes: Int
    /// Which addresses requests may connect to.
    public let addressPolicy: AddressPolicy
    private let pinned: PinnedClients

    /// - Parameters:
    ///   - maxResponseBytes: token responses are small; a bigger body is an error.
    ///   - connectionsPerHost: how many HTTP/1.1 connections to one host may be open at once
    ///     (AsyncHTTPClient's default, 8, when nil); more requests than that wait for one.
    ///   - addressPolicy: `.allowAll` for the CLI; `keyflow serve` passes `.publicOnly(…)`.
    public init(
        maxResponseBytes: Int = 1 << 20, connectionsPerHost: Int? = nil, addressPolicy: AddressPolicy = .allowAll
    ) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow  // AuthorizingTransport follows redirects itself, by its rules
        // No spans of AsyncHTTPClient's own: they would carry the full URL with its query and send
        // `traceparent` everywhere. The APICall's client span does, and only when the agent asks.
        configuration.tracing.tracer = nil
        // Every request carries its own deadline (`send`'s timeout: an APICall's `timeout`, an
        // LLM attempt's two minutes); the read timeout only catches a connection gone silent,
        // so it must not cut a model that thinks for more than 30 s before its first byte.
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(600))
        if let connectionsPerHost {
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
        }
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.maxResponseBytes = maxResponseBytes
        self.addressPolicy = addressPolicy
        pinned = PinnedClients(configuration: configuration)
    }

    /// Sends `request` on an address the policy permits, reading at most the response limit.
    public func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        let policy = request.allowsLoopback ? addressPolicy.allowingLoopback : addressPolicy
        let destination = try await AddressCheck(policy: policy).destination(of: request.url)
        let client: HTTPClient
        if let key = destination {
            guard let pinnedClient = pinned.acquire(key) else { throw HTTPTransportError.cancelled }
            client = pinnedClient
        } else {
            client = self.client
        }
        defer { if let key = destination { pinned.release(key) } }
        let maxResponseBytes = max(0, request.maxResponseBytes ?? self.maxResponseBytes)
        do {
            let response = try await client.execute(outgoing, timeout: .nanoseconds(nanoseconds))
            var buffer = try await response.body.collect(upTo: maxResponseBytes)
            return HTTPTransportResponse(
                status: Int(response.status.code),
                headers: response.headers.map { ($0.name, $0.value) },
                body: buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                throw HTTPTransportError.timeout(url: Self.redacted(request.url))
            case .cancelled:
                throw HTTPTransportError.cancelled
            default:
                throw HTTPTransportError.network(url: Self.redacted(request.url), reason: String(describing: error))
            }
        } catch is NIOTooManyBytesError {
            throw HTTPTransportError.responseTooLarge(url: Self.redacted(request.url), limit: maxResponseBytes)
        } catch is CancellationError {
            throw HTTPTransportError.cancelled
        } catch {
            throw HTTPTransportError.network(url: Self.redacted(request.url), reason: String(describing: error))
        }
    }

    /// Shuts the client down; pending requests fail.
    public func shutdown() async throws {
        await pinned.shutdown()
        try await client.shutdown()
    }

    /// The URL without its query, which may carry tokens or signatures: errors show this.
    static func redacted(_ url: String) -> String {
        url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
    }
}
