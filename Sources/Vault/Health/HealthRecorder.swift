import Foundation
import Logging
import Synchronization

/// Turns the vault's events into connection health: a use answered 2xx or 3xx is a success,
/// any other status or a failure to send is a failure with a short reason ("HTTP 401 from
/// api.example.com"), a refresh (or login) records when the tokens were renewed and when the
/// refresh token expires, a refused refresh is a failure. On the request path of every
/// APICall, so `record` only folds the event into a buffer (one entry per connection); the
/// buffer is written in one transaction at most every `interval` and on `flush()`. Nothing
/// is thrown to the caller: a failed write is logged (never with a secret) and dropped.
public actor HealthRecorder: VaultEventSink {
    private struct Key: Hashable {
        let team: String
        let connection: String
    }

    private struct Buffer {
        var rows: [Key: ConnectionHealth] = [:]
        /// Connections whose tokens were renewed: their refresh token's expiry is looked up at the write.
        var renewed: Set<Key> = []
        var timerRunning = false
    }

    private nonisolated let store: any HealthStore
    private nonisolated let interval: Duration
    private nonisolated let refreshTokenExpiry: @Sendable (_ team: String, _ connection: String) async -> Double?
    private nonisolated let buffer = Mutex(Buffer())
    private nonisolated let logger = Logger(label: "keyflow.health")
    private var lastWrite: Task<Void, Never>?

    /// A recorder writing to `store` at most every `interval`; `refreshTokenExpiry` reads a
    /// connection's refresh-token expiry from its (sealed) tokens after a refresh or login.
    public init(
        store: any HealthStore, interval: Duration = .milliseconds(200),
        refreshTokenExpiry: @escaping @Sendable (_ team: String, _ connection: String) async -> Double? = { _, _ in
            nil
        }
    ) {
        self.store = store
        self.interval = interval
        self.refreshTokenExpiry = refreshTokenExpiry
    }

    /// Folds `event` into the buffer; schedules a write if none is.
    public nonisolated func record(_ event: VaultEvent) async {
        guard let observation = Self.observation(of: event) else { return }
        let key = Key(team: event.team, connection: observation.connection)
        let startTimer = buffer.withLock { buffer -> Bool in
            if var row = buffer.rows[key] {
                row.merge(observation)
                buffer.rows[key] = row
            } else {
                buffer.rows[key] = observation
            }
            if event.action == .connectionRefresh || event.action == .connectionAuthenticate {
                buffer.renewed.insert(key)
            }
            guard !buffer.timerRunning else { return false }
            buffer.timerRunning = true
            return true
        }
        if startTimer {
            Task { [interval] in
                try? await Task.sleep(for: interval)
                await self.flush()
            }
        }
    }

    /// Writes whatever is buffered, after any write already under way.
    public func flush() async {
        let (rows, renewed) = buffer.withLock { buffer in
            let taken = (buffer.rows, buffer.renewed)
            buffer.rows = [:]
            buffer.renewed = []
            buffer.timerRunning = false
            return taken
        }
        let previous = lastWrite
        let write = Task { [store, refreshTokenExpiry, logger] in
            await previous?.value
            guard !rows.isEmpty else { return }
            var batch: [ConnectionHealth] = []
            for (key, var row) in rows {
                if renewed.contains(key) {
                    row.refreshTokenExpiresAt = await refreshTokenExpiry(key.team, key.connection)
                }
                batch.append(row)
            }
            do { try await store.recordHealth(batch) } catch {
                logger.warning(
                    "connection health not recorded for \(batch.count) connections: \((error as? VaultError)?.message ?? "the store failed")"
                )
            }
        }
        lastWrite = write
        await write.value
    }

    /// What `event` says about its connection's health; nil for events that say nothing.
    package static func observation(of event: VaultEvent) -> ConnectionHealth? {
        guard let connection = event.connection else { return nil }
        var row = ConnectionHealth(team: event.team, connection: connection, updatedAt: event.at)
        switch event.action {
        case .credentialUse:
            let succeeded = event.status.map { (200..<400).contains($0) } ?? event.succeeded
            if succeeded {
                row.lastSuccessAt = event.at
            } else {
                row.lastFailureAt = event.at
                row.lastFailureReason = ConnectionHealth.shortened(failureReason(event))
            }
        case .connectionRefresh, .connectionAuthenticate:
            row.lastRefreshAt = event.at
        case .connectionRefreshFailed:
            row.lastFailureAt = event.at
            row.lastFailureReason = ConnectionHealth.shortened("refresh failed: \(event.detail ?? "no reason given")")
        default:
            return nil
        }
        return row
    }

    /// "HTTP 401 from api.example.com", or the failure's (masked) description.
    static func failureReason(_ event: VaultEvent) -> String {
        let host = event.origin.map(Self.host(of:))
        if let status = event.status {
            return "HTTP \(status)" + (host.map { " from \($0)" } ?? "")
        }
        let detail = event.detail ?? "the request failed"
        return host.map { "\(detail) (\($0))" } ?? detail
    }

    /// `api.example.com` of `https://api.example.com`, the port kept when it is not the scheme's.
    package static func host(of origin: String) -> String {
        guard let range = origin.range(of: "://") else { return origin }
        var rest = String(origin[range.upperBound...])
        if origin.hasPrefix("https://"), rest.hasSuffix(":443") { rest.removeLast(4) }
        if origin.hasPrefix("http://"), rest.hasSuffix(":80") { rest.removeLast(3) }
        return rest
    }
}
