import OAuthCore
import Synchronization

/// One long-lived `TokenBroker` per team in this process, so that every run and every API
/// call of a team shares one credential cache and one in-process single flight (a server
/// that made a broker per run would refresh once per run and re-read every token). Across
/// processes the store's compare-and-swap lease keeps refresh single-flight, as before.
/// One `TeamBrokers` serves the teams of one store.
public final class TeamBrokers: Sendable {
    private let transport: any HTTPTransport
    private let policy: TokenBroker.Policy
    private let brokers = Mutex<[String: TokenBroker]>([:])

    /// Brokers that refresh through `transport` with `policy`.
    public init(transport: any HTTPTransport, policy: TokenBroker.Policy = .init()) {
        self.transport = transport
        self.policy = policy
    }

    /// The broker of `vault`'s team, made on first use.
    public func broker(for vault: Vault) -> TokenBroker {
        brokers.withLock { brokers in
            if let broker = brokers[vault.team] { return broker }
            let broker = TokenBroker(vault: vault, transport: transport, policy: policy)
            brokers[vault.team] = broker
            return broker
        }
    }
}
