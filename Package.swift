// swift-tools-version: 6.1
import Foundation
import PackageDescription

// The release `keyflow` links the Swift runtime and Foundation statically (`keyflow run` is
// often a whole process; see the `cold` row of BENCHMARKS.md). Dynamically, the dynamic loader
// binds tens of thousands of symbols across a dozen Swift libraries on every start; statically,
// those references are resolved when linking. `-static-stdlib` alone does not pull in what
// Foundation's archives need (their autolink entries are not read from archives), so the
// libraries are named, in a group because they refer to each other. Debug builds, the tests
// and the fuzz build keep the shared libraries.
let staticSwiftRuntime = [
    "-static-stdlib", "-Xlinker", "--start-group",
    "-lFoundation", "-lCoreFoundation", "-lFoundationInternationalization", "-l_FoundationICU",
    "-lFoundationEssentials", "-l_FoundationCollections", "-l_FoundationCShims",
    "-lswiftDispatch", "-ldispatch", "-lBlocksRuntime", "-lswiftSynchronization",
    "-Xlinker", "--end-group",
]

// Targets follow ../shared/ARCHITECTURE.md: each depends only on the ones above it.
let package = Package(
    name: "keyflow",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "keyflow", targets: ["keyflow"]),
        .executable(name: "keyflow-bench", targets: ["keyflow-bench"]),
        .library(name: "OAuthCore", targets: ["OAuthCore"]),
        .library(name: "Vault", targets: ["Vault"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        // 1.16: LogHandler.log(event:), which the JSON log handler implements.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.25.0"),
        // Observability: who/agent/component/run travel in one ServiceContext (the audit trail,
        // log metadata and spans read the same carrier); metrics in Prometheus's text format;
        // OTLP/HTTP traces (only that exporter: the gRPC one doubles the build).
        .package(url: "https://github.com/apple/swift-service-context.git", from: "1.2.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.2.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.0.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // OpenSSL's libcrypto (Debian's libssl-dev): the OAuth 1.0a signer's HMAC-SHA1, which the
        // `sign` benchmark measured faster than swift-crypto's (BENCHMARKS.md).
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // Protocol logic only: RFC 5849 signing, RFC 7636 PKCE, RFC 6749 token client,
        // the provider catalog. No storage, no workflows.
        .target(
            name: "OAuthCore",
            dependencies: [
                "COpenSSL",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Resources/providers.json")]
        ),
        // Connections and their secrets: sealing, stores, authorization flows (pure: no web
        // server), the token broker.
        .target(
            name: "Vault",
            dependencies: [
                "OAuthCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceContextModule", package: "swift-service-context"),
            ]
        ),
        // The users of `keyflow serve` and their browser sessions, behind one async AccountStore.
        .target(
            name: "Accounts",
            dependencies: [
                "OAuthCore",
                "Vault",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The same store on PostgreSQL, for several `keyflow serve` nodes: every store protocol,
        // its migrations, the database URL (sqlite:PATH or postgres://…) and `db copy`.
        .target(
            name: "PostgresStore",
            dependencies: [
                "Vault",
                "Accounts",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Agents: the .smyth model, validation, the executor, templates, components, pre-flight.
        .target(
            name: "Runtime",
            dependencies: [
                "OAuthCore",
                "Vault",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "ServiceContextModule", package: "swift-service-context"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // keyflow serve: the JSON API, the OAuth callbacks (also served alone by `vault auth`),
        // the web UI.
        .target(
            name: "Server",
            dependencies: [
                "OAuthCore",
                "Vault",
                "Accounts",
                "Runtime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceContextModule", package: "swift-service-context"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "OTel", package: "swift-otel"),
            ],
            // The pages' templates, CSS and JavaScript are compiled in, so `keyflow serve`
            // needs no other files (Web/Templates.swift and Web/StaticFiles.swift list them too).
            resources: [
                .embedInCode("Web/Templates/add_dialog.mustache"),
                .embedInCode("Web/Templates/agent.mustache"),
                .embedInCode("Web/Templates/agents.mustache"),
                .embedInCode("Web/Templates/edit.mustache"),
                .embedInCode("Web/Templates/error.mustache"),
                .embedInCode("Web/Templates/field_errors.mustache"),
                .embedInCode("Web/Templates/form_errors.mustache"),
                .embedInCode("Web/Templates/layout.mustache"),
                .embedInCode("Web/Templates/login.mustache"),
                .embedInCode("Web/Templates/signin.mustache"),
                .embedInCode("Web/Templates/vault.mustache"),
                .embedInCode("Web/Templates/wrong_browser.mustache"),
                .embedInCode("Web/Templates/revisions.mustache"),
                .embedInCode("Web/Templates/runs.mustache"),
                .embedInCode("Web/Templates/run.mustache"),
                .embedInCode("Web/Templates/models.mustache"),
                .embedInCode("Web/Templates/activity.mustache"),
                .embedInCode("Web/Static/keyflow.css"),
                .embedInCode("Web/Static/keyflow.js"),
            ]
        ),
        .executableTarget(
            name: "keyflow",
            dependencies: [
                "OAuthCore",
                "Vault",
                "Accounts",
                "Runtime",
                "Server",
                "PostgresStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceContextModule", package: "swift-service-context"),
            ],
            // The demo agent is compiled in, so `keyflow demo` works from any directory.
            resources: [.embedInCode("Demo/demo.smyth")],
            linkerSettings: [.unsafeFlags(staticSwiftRuntime, .when(platforms: [.linux], configuration: .release))]
        ),
        // Benchmarks: `swift run -c release keyflow-bench [SUITE...]`, side by side with the
        // peers (node-oauth-1.0a, oauthlib) and the limits; see BENCHMARKS.md.
        .executableTarget(
            name: "keyflow-bench",
            dependencies: [
                "COpenSSL",
                "OAuthCore",
                "Vault",
                "Runtime",
                "Accounts",
                "Server",
                "PostgresStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Helpers shared by the test targets: repository paths, the Python peers, running the CLI.
        .target(
            name: "TestSupport",
            dependencies: ["OAuthCore", "Vault"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "VaultTests",
            dependencies: [
                "Vault",
                "OAuthCore",
                "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceContextModule", package: "swift-service-context"),
            ]
        ),
        // The store contract, run against SQLite and PostgreSQL alike (scripts/test starts a
        // throwaway PostgreSQL cluster; see scripts/dev-postgres).
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "Vault", "Accounts", "PostgresStore", "OAuthCore", "TestSupport",
                // The status webhook's sender, for two senders on one shared store.
                "Server",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Accounts", "Vault", "Runtime", "OAuthCore", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "AccountsTests",
            dependencies: ["Accounts", "Vault"]
        ),
        .testTarget(
            name: "RuntimeTests",
            dependencies: ["Runtime", "Vault", "OAuthCore", "TestSupport"]
        ),
        .testTarget(
            name: "OAuthCoreTests",
            dependencies: [
                "COpenSSL",
                "OAuthCore",
                "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (Fuzz/README.md), declared only when scripts/fuzz sets KEYFLOW_FUZZ=1, so
// plain `swift build` and `swift test` never see them. The fuzz build is a debug build (its
// dependencies are the same objects as the tests' debug build, so CI compiles them once),
// with only the code under test optimised and instrumented for libFuzzer's coverage.
if ProcessInfo.processInfo.environment["KEYFLOW_FUZZ"] == "1" {
    let instrumented: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer", "-O"])]
    for target in package.targets where ["OAuthCore", "Runtime"].contains(target.name) {
        target.swiftSettings = (target.swiftSettings ?? []) + instrumented
    }
    package.targets.append(
        .executableTarget(
            name: "KeyflowFuzz",
            dependencies: ["OAuthCore", "Runtime"],
            path: "Fuzz/Sources/KeyflowFuzz",
            // -parse-as-library for @main in a file not named main.swift; -sanitize=fuzzer links libFuzzer.
            swiftSettings: instrumented + [.unsafeFlags(["-parse-as-library"])],
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer"])]
        )
    )
}
