import Foundation
import PostgresStore
import Testing

/// Database URLs: parsed as libpq users write them; printed and reported with the password
/// masked, whatever is wrong with them.
struct DatabaseURLTests {
    @Test func aPostgresURLIsParsedAndPrintedWithoutItsPassword() throws {
        let url = try PostgresURL(
            parsing:
                "postgres://kf%40app:p%2Fss-w0rd-CANARY@db.internal:6543/vault?sslmode=verify-full&sslrootcert=/etc/ca.pem"
        )
        #expect(url.user == "kf@app" && url.password == "p/ss-w0rd-CANARY")
        #expect(url.host == "db.internal" && url.port == 6543 && url.database == "vault")
        #expect(url.sslMode == .verifyFull && url.sslRootCert == "/etc/ca.pem")
        #expect(url.description == "postgres://kf@app:••••@db.internal:6543/vault?sslmode=verify-full")
        #expect(
            try DatabaseURL(parsing: "postgresql://u@h/d") == .postgres(try PostgresURL(parsing: "postgres://u@h/d")))
        #expect(try PostgresURL(parsing: "postgres://u@h/d").sslMode == .prefer)
        #expect(try DatabaseURL(parsing: "sqlite:/tmp/v.sqlite") == .sqlite(URL(fileURLWithPath: "/tmp/v.sqlite")))
    }

    @Test(arguments: [
        "postgres://u:CANARY@h/d?sslmode=sometimes", "postgres://u:CANARY@h", "postgres://:CANARY@h/d",
        "postgres://u:CANARY@h/d?password=x", "mysql://u:CANARY@h/d", "postgres://u:CANARY@h:99999/d", "sqlite:",
    ])
    func aBadURLSaysWhatIsWrongWithoutThePassword(text: String) {
        #expect {
            _ = try DatabaseURL(parsing: text)
        } throws: { error in
            let message = String(describing: error)
            return !message.contains("CANARY") && !message.isEmpty
        }
    }
}
