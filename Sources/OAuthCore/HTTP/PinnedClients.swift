import AsyncHTTPClient
import Synchronization

/// HTTP clients each pinned to one checked IP address of one host name.
///
/// Why: AsyncHTTPClient resolves names itself and has no per-request resolver, so an address
/// policy cannot be checked at its connect time. Instead the transport resolves the name,
/// checks every address, and sends through a client whose `dnsOverride` maps the name to the
/// checked address: it connects to exactly that address while TLS still verifies the original
/// name. A client is made per (name, address) and reused while it is in use or recent; the
/// least recently used idle one is shut down when there are more than `capacity`.
final class PinnedClients: Sendable {
    struct Key: Hashable, Sendable {
        let host: String
        let address: IPAddress
    }

    private struct Entry {
        let client: HTTPClient
        var inFlight: Int
        var lastUsed: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var tick: UInt64 = 0
        var closed = false
    }

    private let configuration: HTTPClient.Configuration
    private let capacity: Int
    private let state = Mutex(State())

    init(configuration: HTTPClient.Configuration, capacity: Int = 32) {
        self.configuration = configuration
        self.capacity = max(1, capacity)
    }

    /// A client that connects to `key.address` for `key.host`; `release` it when the response
    /// has been read. Nil after `shutdown`.
    func acquire(_ key: Key) -> HTTPClient? {
        let (client, evicted): (HTTPClient?, [HTTPClient]) = state.withLock { state in
            guard !state.closed else { return (nil, []) }
            state.tick &+= 1
            if var entry = state.entries[key] {
                entry.inFlight += 1
                entry.lastUsed = state.tick
                state.entries[key] = entry
                return (entry.client, [])
            }
            var configuration = self.configuration
            configuration.dnsOverride = [key.host: key.address.description]
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            state.entries[key] = Entry(client: client, inFlight: 1, lastUsed: state.tick)
            var evicted: [HTTPClient] = []
            while state.entries.count > capacity,
                let oldest = state.entries.filter({ $0.value.inFlight == 0 }).min(by: {
                    $0.value.lastUsed < $1.value.lastUsed
                })
            {
                state.entries[oldest.key] = nil
                evicted.append(oldest.value.client)
            }
            return (client, evicted)
        }
        for client in evicted { Task { try? await client.shutdown() } }
        return client
    }

    /// Marks one use of the client for `key` as finished.
    func release(_ key: Key) {
        state.withLock { state in
            if var entry = state.entries[key] {
                entry.inFlight = max(0, entry.inFlight - 1)
                state.entries[key] = entry
            }
        }
    }

    /// Shuts every client down; `acquire` returns nil afterwards.
    func shutdown() async {
        let clients = state.withLock { state in
            state.closed = true
            defer { state.entries = [:] }
            return state.entries.values.map(\.client)
        }
        for client in clients { try? await client.shutdown() }
    }
}
