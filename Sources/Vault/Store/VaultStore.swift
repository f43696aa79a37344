import Foundation

/// Where the Vault keeps its rows, split by concern: connections (`ConnectionStore`), vault
/// keys (`KeyStore`) and logins in progress (`LoginStore`), each async with plain values, so
/// a PostgreSQL store implements them as well as the SQLite one.
public protocol VaultStore: ConnectionStore, KeyStore, LoginStore {
}
