import Foundation
import Logging
import OAuthCore
import ServiceLifecycle
import Synchronization
import Vault

/// What `keyflow serve --refresh-ahead` and `--refresh-idle-every` ask of the background refresher.
public struct BackgroundRefreshConfiguration: Sendable {
    /// Refresh access tokens that expire within this many seconds (before any run needs them).
    public var ahead: Double?
    /// Refresh connections whose tokens were not refreshed for this many seconds (providers
    /// whose refresh tokens die unused).
    public var idleEvery: Double?
    /// How often the store is asked for connections to refresh.
    public var interval: Duration = .seconds(30)
    /// The pause between two refreshes of one pass, so a pass does not burst at providers.
    public var spacing: Duration = .milliseconds(250)
    /// At most this many connections per pass.
    public var batch = 50
    /// After a refresh of a connection (done or failed), it is left alone this many seconds.
    public var cooldown: Double = 300

    /// A configuration; at least one of `ahead` and `idleEvery` should be set.
    public init(ahead: Double? = nil, idleEvery: Double? = nil) {
        self.ahead = ahead
        self.idleEvery = idleEvery
    }
}

/// Refreshes tokens in the background through each team's `TokenBroker` (`refreshNow`: the
/// same single flight, row lock and lease as runs, so two nodes never refresh one connection
/// twice). Only OAuth 2.0 connections whose tokens can be renewed are touched: a refresh
/// token, or the client-credentials grant (for `ahead` only). A refused refresh turns the
/// connection `needs-reauth` as it would in a run (and reports it); every outcome is recorded
/// in the connection's health.
public final class BackgroundRefresher: Service, Sendable {
    let root: Vault
    let brokers: TeamBrokers
    let configuration: BackgroundRefreshConfiguration
    let clock: @Sendable () -> Date
    let logger = Logger(label: "keyflow.refresher")
    private let recent = RecentAttempts()

    /// A refresher over every team of `root`'s store.
    public init(
        root: Vault, brokers: TeamBrokers, configuration: BackgroundRefreshConfiguration,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.root = root
        self.brokers = brokers
        self.configuration = configuration
        self.clock = clock
    }

    /// What one pass did with a connection.
    public enum Outcome: Sendable, Equatable {
        /// Refreshed (or found refreshed by another node meanwhile).
        case refreshed
        /// Not renewable here (no refresh token, not OAuth 2.0).
        case skipped
        /// The refresh failed; the reason is the broker's (no secret).
        case failed(String)
    }

    /// Passes every `interval` (the first after a random part of it, so nodes started together
    /// do not look in step) until the service group shuts down.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            let seconds = Self.seconds(self.configuration.interval)
            try? await Task.sleep(for: .milliseconds(Int64(Double.random(in: 0...max(0.001, seconds)) * 1000)))
            while !Task.isCancelled {
                _ = await self.runOnce()
                try? await Task.sleep(for: self.configuration.interval)
            }
        }
    }

    /// One pass: the connections due, refreshed one after another, by connection id.
    @discardableResult
    public func runOnce() async -> [String: Outcome] {
        let now = clock().timeIntervalSince1970
        let candidates: [RefreshCandidate]
        do {
            candidates = try await root.store.refreshCandidates(
                expiringBefore: configuration.ahead.map { now + $0 } ?? 0,
                idleBefore: configuration.idleEvery.map { now - $0 } ?? 0, limit: configuration.batch)
        } catch {
            logger.warning("background refresh: the store did not answer: \(error.message)")
            return [:]
        }
        var outcomes: [String: Outcome] = [:]
        for candidate in candidates
        where recent.allows(candidate.connection, now: now, cooldown: configuration.cooldown) {
            if !outcomes.isEmpty { try? await Task.sleep(for: configuration.spacing) }
            let expiring = configuration.ahead.map { ahead in (candidate.tokenExpiresAt ?? .infinity) < now + ahead }
            let outcome = await refresh(candidate, expiring: expiring ?? false)
            if outcome != .skipped { recent.note(candidate.connection, at: clock().timeIntervalSince1970) }
            outcomes[candidate.connection] = outcome
        }
        return outcomes
    }

    private func refresh(_ candidate: RefreshCandidate, expiring: Bool) async -> Outcome {
        let vault = root.forTeam(candidate.team)
        let id = candidate.connection
        do {
            let connection = try await vault.connection(id)
            let settings = try vault.effectiveSettings(of: connection)
            guard settings.kind.protocol == .oauth2, !settings.kind.isAPIKey else { return .skipped }
            if settings.kind.grantType == .clientCredentials {
                guard expiring else { return .skipped }  // nothing dies unused: a new token is fetched when needed
            } else {
                guard try await vault.tokens(of: id)?.refreshToken != nil else { return .skipped }
            }
        } catch {
            return .skipped  // removed or changed meanwhile
        }
        let broker = brokers.broker(for: vault)
        let now = clock().timeIntervalSince1970
        do {
            _ = try await broker.refreshNow(id)
            let expiry = try? await vault.tokens(of: id)?.refreshTokenExpiresAt
            await record(
                ConnectionHealth(
                    team: candidate.team, connection: id, lastRefreshAt: now, refreshTokenExpiresAt: expiry ?? nil,
                    updatedAt: now))
            return .refreshed
        } catch {
            let reason = error.description
            logger.notice("background refresh of connection \(id) (team \(candidate.team)) failed: \(reason)")
            await record(
                ConnectionHealth(
                    team: candidate.team, connection: id, lastFailureAt: now,
                    lastFailureReason: "background refresh failed: \(reason)", updatedAt: now))
            return .failed(reason)
        }
    }

    private func record(_ row: ConnectionHealth) async {
        do { try await root.store.recordHealth([row]) } catch {
            logger.warning("background refresh: health not recorded: \(error.message)")
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// When each connection was last refreshed by this refresher (in this process only: it spaces
/// this node's attempts; across nodes the broker's single flight keeps refreshes single).
final class RecentAttempts: Sendable {
    private let times = Mutex<[String: Double]>([:])

    func allows(_ id: String, now: Double, cooldown: Double) -> Bool {
        times.withLock { times in
            guard let last = times[id] else { return true }
            return now - last >= cooldown
        }
    }

    func note(_ id: String, at time: Double) {
        times.withLock { times in
            times[id] = time
            if times.count > 10_000 { times = times.filter { time - $0.value < 86400 } }
        }
    }
}
