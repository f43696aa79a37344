import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A minimal HTTP/1.1 server on 127.0.0.1 for tests of APICall against a real socket: one
/// request per connection, answered by a closure, or an endless body for size limits. It
/// records the request targets it saw and how many body bytes it managed to send.
public final class TinyHTTPServer: @unchecked Sendable {
    /// What to answer: a complete response, or `endless` (200, no length, bytes until the
    /// client goes away or `endlessCap` is sent).
    public enum Answer: Sendable {
        case response(status: Int, contentType: String, body: String)
        case endless
    }

    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// The most an endless answer sends.
    public static let endlessCap = 1 << 30

    private let descriptor: Int32
    private let handler: @Sendable (String) -> Answer
    private struct State {
        var targets: [String] = []
        var bodyBytesSent = 0
        var stopped = false
    }
    private let state = Mutex(State())

    public struct SocketError: Error, CustomStringConvertible { public let description: String }

    /// Starts listening; `handler` gets the request target (`/path?query`).
    public init(_ handler: @escaping @Sendable (String) -> Answer) throws {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw SocketError(description: "socket() failed") }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0, listen(descriptor, 64) == 0 else { throw SocketError(description: "bind/listen failed") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw SocketError(description: "getsockname failed") }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.handler = handler
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// The request targets received so far.
    public var requests: [String] { state.withLock { $0.targets } }

    /// The body bytes written so far to all clients.
    public var sentBodyBytes: Int { state.withLock { $0.bodyBytesSent } }

    /// Stops accepting connections.
    public func stop() {
        let first = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return !state.stopped
        }
        if first { shutdown(descriptor, Int32(SHUT_RDWR)); _ = closeSocket(descriptor) }
    }

    deinit { stop() }

    private func acceptLoop() {
        while true {
            let client = accept(descriptor, nil, nil)
            if client < 0 {
                if state.withLock({ $0.stopped }) { return }
                continue
            }
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    private func serve(_ client: Int32) {
        defer { _ = closeSocket(client) }
        var head = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !head.ends(with: [13, 10, 13, 10]) && head.count < 65536 {
            let count = recv(client, &buffer, buffer.count, 0)
            if count <= 0 { return }
            head += buffer[0..<count]
            if let end = head.firstRange(of: [13, 10, 13, 10]) { head = Array(head[..<end.upperBound]); break }
        }
        let requestLine = String(decoding: head.prefix { $0 != 13 }, as: UTF8.self)
        let parts = requestLine.split(separator: " ")
        let target = parts.count > 1 ? String(parts[1]) : "/"
        state.withLock { $0.targets.append(target) }
        switch handler(target) {
        case .response(let status, let contentType, let body):
            let bytes = Array(body.utf8)
            let header =
                "HTTP/1.1 \(status) Answer\r\nContent-Type: \(contentType)\r\nContent-Length: \(bytes.count)\r\nConnection: close\r\n\r\n"
            _ = write(client, Array(header.utf8))
            if write(client, bytes) { state.withLock { $0.bodyBytesSent += bytes.count } }
        case .endless:
            _ = write(
                client,
                Array("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n".utf8))
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 65536)
            var sent = 0
            while sent < Self.endlessCap, write(client, chunk) {
                sent += chunk.count
                state.withLock { $0.bodyBytesSent += chunk.count }
            }
        }
    }

    /// Writes all of `bytes`; false once the peer is gone (no SIGPIPE: MSG_NOSIGNAL).
    private func write(_ client: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { raw in
                #if canImport(Glibc)
                    send(client, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
                #else
                    send(client, raw.baseAddress, raw.count, 0)
                #endif
            }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    private func closeSocket(_ socket: Int32) -> Int32 {
        #if canImport(Glibc)
            return Glibc.close(socket)
        #else
            return Darwin.close(socket)
        #endif
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
