import Foundation

/// Where the Vault keeps its rows, split by concern: connections (`ConnectionStore`), vault
/// keys (`KeyStore`), logins in progress (`LoginStore`), the serve processes using it
/// (`NodeRegistry`), the teams' model routes (`ModelStore`) and LLMAssistant conversations
/// (`ConversationStore`), connection health and the status-change outbox (`HealthStore`,
/// `StatusOutboxStore`), each async with plain values, so a PostgreSQL store implements them
/// as well as the SQLite one.
public protocol VaultStore: ConnectionStore, KeyStore, LoginStore, NodeRegistry, ModelStore, ConversationStore,
    HealthStore, StatusOutboxStore, AuditStore
{
}
