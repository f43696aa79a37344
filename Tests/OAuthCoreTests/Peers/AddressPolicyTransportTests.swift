import Foundation
import OAuthCore
import TestSupport
import Testing

/// `AsyncHTTPTransport` under the server's address policy, against a loopback peer: the check
/// is made on the address the name resolves to, before anything is sent (finding 15).
@Suite(.serialized) struct AddressPolicyTransportTests {
    static func echoed(_ server: PeerServer) async throws -> Int {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let response = try await transport.send(
            HTTPTransportRequest(method: "GET", url: server.baseURL + "/stats"), timeout: .seconds(10))
        let json = (try JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        return (json?["echoed"] as? Int) ?? -1
    }

    static func refusal(_ transport: AsyncHTTPTransport, _ url: String) async -> HTTPTransportError? {
        do {
            _ = try await transport.send(HTTPTransportRequest(method: "GET", url: url), timeout: .seconds(10))
            return nil
        } catch let error as HTTPTransportError {
            return error
        } catch {
            return nil
        }
    }

    @Test func loopbackByAddressAndByNameAndCloudMetadataAreRefused() async throws {
        let server = try PeerServer(script: "echo_server.py")
        defer { server.stop() }
        let port = try #require(try RequestURL(server.baseURL).port)
        let transport = AsyncHTTPTransport(addressPolicy: .publicOnly())
        defer { Task { try? await transport.shutdown() } }
        for url in [
            "http://127.0.0.1:\(port)/echo", "http://localhost:\(port)/echo", "http://[::ffff:127.0.0.1]:\(port)/echo",
            "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0:\(port)/echo",
        ] {
            let error = await Self.refusal(transport, url)
            guard case .addressRefused(_, _, let address) = error else {
                Issue.record("\(url) was not refused: \(String(describing: error))")
                continue
            }
            #expect(error?.description.contains("--allow-network") == true)
            #expect(!address.isEmpty)
        }
        // `localhost` is refused for what it resolves to, not for its name.
        if case .addressRefused(_, let host, let address) = await Self.refusal(
            transport, "http://localhost:\(port)/echo")
        {
            #expect(host == "localhost" && (address == "127.0.0.1" || address == "::1"))
        }
        #expect(try await Self.echoed(server) == 0)
    }

    @Test func anAllowedNetworkLetsTheSameRequestsThrough() async throws {
        let server = try PeerServer(script: "echo_server.py")
        defer { server.stop() }
        let port = try #require(try RequestURL(server.baseURL).port)
        let transport = AsyncHTTPTransport(
            addressPolicy: .publicOnly(allowing: [try CIDR("127.0.0.0/8"), try CIDR("::1/128")]))
        defer { Task { try? await transport.shutdown() } }
        for url in ["http://127.0.0.1:\(port)/echo", "http://localhost:\(port)/echo"] {
            let response = try await transport.send(
                HTTPTransportRequest(method: "GET", url: url), timeout: .seconds(10))
            #expect(response.status == 200, "\(url)")
            let echo = (try JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
            let headers = echo?["headers"] as? [String: String]
            // The pinned connection still sends the name the URL gave as Host.
            #expect(headers?["host"] == (url.contains("localhost") ? "localhost:\(port)" : "127.0.0.1:\(port)"))
        }
        #expect(try await Self.echoed(server) == 2)
        // 169.254.0.0/16 was not allowed: still refused.
        guard case .addressRefused = await Self.refusal(transport, "http://169.254.169.254/") else {
            Issue.record("169.254.169.254 was not refused")
            return
        }
    }

    @Test func aRequestMarkedForAnExplicitLoopbackModelReachesLoopbackOnly() async throws {
        let server = try PeerServer(script: "echo_server.py")
        defer { server.stop() }
        let transport = AsyncHTTPTransport(addressPolicy: .publicOnly())
        defer { Task { try? await transport.shutdown() } }
        var local = HTTPTransportRequest(method: "GET", url: server.baseURL + "/echo")
        local.allowsLoopback = true
        #expect(try await transport.send(local, timeout: .seconds(10)).status == 200)
        // The exception is loopback only: other internal ranges stay refused.
        var metadata = HTTPTransportRequest(method: "GET", url: "http://169.254.169.254/latest/meta-data/")
        metadata.allowsLoopback = true
        await #expect(throws: HTTPTransportError.self) { _ = try await transport.send(metadata, timeout: .seconds(5)) }
        // An ordinary request to the same server is still refused.
        guard case .addressRefused = await Self.refusal(transport, server.baseURL + "/echo") else {
            Issue.record("an unmarked loopback request was not refused")
            return
        }
        #expect(try await Self.echoed(server) == 1)
    }

    @Test func theCLIsDefaultPolicyAllowsLoopback() async throws {
        let server = try PeerServer(script: "echo_server.py")
        defer { server.stop() }
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        #expect(transport.addressPolicy == .allowAll)
        let response = try await transport.send(
            HTTPTransportRequest(method: "GET", url: server.baseURL + "/echo"), timeout: .seconds(10))
        #expect(response.status == 200)
    }

    @Test func onlyHTTPAndHTTPSSchemesAreAccepted() async throws {
        let transport = AsyncHTTPTransport(addressPolicy: .publicOnly())
        defer { Task { try? await transport.shutdown() } }
        let error = await Self.refusal(transport, "http+unix://%2Ftmp%2Fkeyflow.sock/echo")
        guard case .network = error else {
            Issue.record("a unix-socket URL was not refused: \(String(describing: error))")
            return
        }
    }
}
