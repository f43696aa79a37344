import Foundation
import PostgresNIO
import PostgresStore
import Testing
import Vault

/// `sslmode` as libpq users know it, against a server with a certificate from a CA of the
/// test's own: verify-full checks the chain and the host; require encrypts without checking.
@Suite(.serialized, .enabled(if: StoreKind.available.contains(.postgres)))
struct PostgresTLSTests {
    static func url(_ cluster: DevPostgresCluster, host: String, query: String) throws -> PostgresURL {
        let plain = try PostgresURL(parsing: cluster.databaseURL)
        return try PostgresURL(parsing: plain.connectionText(host: host, query: query))
    }

    static func encrypted(_ store: PostgresVaultStore) async throws -> Bool {
        try await store.rows("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") {
            try $0["ssl"].decode(Bool.self)
        }.first ?? false
    }

    @Test func verifyFullChecksTheCertificateAndRequireOnlyEncrypts() async throws {
        let cluster = try DevPostgresCluster()
        defer { cluster.stop() }

        let verified = try await PostgresVaultStore.open(
            try Self.url(cluster, host: "localhost", query: "sslmode=verify-full&sslrootcert=\(cluster.caPath)"))
        #expect(try await Self.encrypted(verified))
        verified.close()

        // The system's roots do not know the test's CA: verify-full refuses, saying why.
        let unknownCA = try Self.url(cluster, host: "localhost", query: "sslmode=verify-full")
        await #expect {
            try await PostgresVaultStore.open(unknownCA).close()
        } throws: { error in
            let message = String(describing: error)
            return message.contains("PostgreSQL") && !message.contains(unknownCA.password ?? "no password")
        }

        let unverified = try await PostgresVaultStore.open(
            try Self.url(cluster, host: "127.0.0.1", query: "sslmode=require"))
        #expect(try await Self.encrypted(unverified))
        unverified.close()
    }
}
