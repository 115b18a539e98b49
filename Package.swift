// swift-tools-version: 6.1
import PackageDescription

/// Hive: federated, offline-first AI twins.
///
/// Layering (dependencies point downward only):
/// HiveCore ← HiveVectors, HiveEmbeddings, HiveLearning, HiveLedger ← HiveTwin, HiveHub ← HiveMesh, HiveMCP ← hive
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// HiveVectors' SIMD kernels are compiled for the building machine's CPU (AVX2/AVX-512 on x86-64):
/// Swift has no per-function multiversioning, and the baseline x86-64 target (SSE2) halves their speed.
/// A binary built this way runs only on CPUs with the builder's instruction set; set
/// HIVE_PORTABLE=1 to build for the baseline instead. Dynamic exclusivity checks are off in this
/// target only: its hot loops read class-held buffers millions of times per search, and index
/// mutation is already serialised by copy-on-write uniqueness (see RowBuffer).
let vectorKernelSettings: [SwiftSetting] = {
    var flags = ["-enforce-exclusivity=unchecked"]
    var settings: [SwiftSetting] = []
    #if arch(x86_64)
    if Context.environment["HIVE_PORTABLE"] == nil {
        flags += ["-target-cpu", "native"]
        // Lets code pick kernels that only pay off with the machine's full vector width.
        settings.append(.define("HIVE_NATIVE_KERNELS"))
    }
    #endif
    return settings + [.unsafeFlags(flags)]
}()

let optimisedDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "Hive",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hive", targets: ["hive"]),
        .library(name: "HiveCore", targets: ["HiveCore"]),
        .library(name: "HiveVectors", targets: ["HiveVectors"]),
        .library(name: "HiveEmbeddings", targets: ["HiveEmbeddings"]),
        .library(name: "HiveLearning", targets: ["HiveLearning"]),
        .library(name: "HiveLedger", targets: ["HiveLedger"]),
        .library(name: "HiveLedgerStorage", targets: ["HiveLedgerStorage"]),
        .library(name: "HiveTwin", targets: ["HiveTwin"]),
        .library(name: "HiveHub", targets: ["HiveHub"]),
        .library(name: "HiveMesh", targets: ["HiveMesh"]),
        .library(name: "HiveMCP", targets: ["HiveMCP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // HiveHub (issue 8): HTTP server, storage, lifecycle, metrics.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // HiveMesh (issue 13): peer channel over TCP.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // HiveTwin's SyncClient (issue 10): the twin's HTTP client.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // `hive bench sync` latency percentiles (issue 10).
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // HiveMCP (issue 11): MCP servers for the twin and the hub.
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        // File descriptors for the MCP SDK's stdio transport in the subprocess test (the SDK's own dependency).
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        .target(
            name: "HiveCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // A header-only wrapper around the compiler's prefetch builtin (Swift has no prefetch
        // intrinsic); HiveVectors' graph walks use it. Part of the toolchain, no library.
        .target(name: "CHivePrefetch"),
        .target(name: "HiveVectors", dependencies: ["HiveCore", "CHivePrefetch"], swiftSettings: strictSettings + vectorKernelSettings),
        // OpenBLAS from the system (Debian: libopenblas-dev) for HiveEmbeddings' matrix multiplies on Linux.
        .systemLibrary(
            name: "COpenBLAS",
            path: "Sources/COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "HiveEmbeddings",
            dependencies: [
                "HiveCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .target(name: "COpenBLAS", condition: .when(platforms: [.linux])),
            ],
            // The encoder's SIMD kernels are ~50× slower unoptimised; optimising them in debug builds too
            // keeps the parity tests (117 sentences through the real model) at seconds, not minutes.
            // vectorKernelSettings: the packed GEMM's 16-float vectors need the machine's vector units.
            swiftSettings: strictSettings + vectorKernelSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // -O in debug too: the learning and evaluation tests train real models, ~10× slower unoptimised.
        .target(name: "HiveLearning", dependencies: ["HiveCore"], swiftSettings: strictSettings + optimisedDebug),
        .target(
            name: "HiveLedger",
            dependencies: ["HiveCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HiveLedgerStorage",
            dependencies: [
                "HiveCore", "HiveLedger",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(name: "HiveEvaluation", dependencies: ["HiveCore", "HiveLearning"], swiftSettings: strictSettings + optimisedDebug),
        .target(
            name: "HiveTwin",
            dependencies: [
                "HiveCore", "HiveVectors", "HiveEmbeddings", "HiveLearning", "HiveLedger",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HiveHub",
            dependencies: [
                "HiveCore", "HiveLedger", "HiveLedgerStorage", "HiveLearning", "HiveEmbeddings",
                // Skill search keeps trace embeddings in a flat index (issue 12).
                "HiveVectors",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The web dashboard's HTML, CSS and JavaScript (issue 14), served at /dashboard.
            resources: [.copy("Dashboard/Static")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HiveMesh",
            dependencies: [
                "HiveCore", "HiveTwin",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // MCP tools for the viewer (twin) and omega (hub) roles (issue 11).
        .target(
            name: "HiveMCP",
            dependencies: [
                "HiveCore", "HiveTwin", "HiveHub", "HiveLedger", "HiveEmbeddings",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // Writes to a twin store in a loop until killed: the crash-safety tests SIGKILL it mid-batch.
        .executableTarget(
            name: "twin-crash-writer",
            dependencies: ["HiveCore", "HiveTwin"],
            path: "Sources/TwinCrashWriter",
            swiftSettings: strictSettings
        ),
        // `hive loadtest` (issue 12): identity cache, open-loop signed sync traffic, /proc sampling.
        .target(
            name: "HiveLoad",
            dependencies: [
                "HiveCore", "HiveLedger", "HiveHub",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "hive",
            dependencies: [
                "HiveCore", "HiveVectors", "HiveEmbeddings", "HiveLearning", "HiveLedger", "HiveLedgerStorage",
                "HiveEvaluation", "HiveTwin", "HiveHub", "HiveMesh", "HiveMCP", "HiveLoad",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HiveCoreTests",
            dependencies: ["HiveCore", .product(name: "PropertyBased", package: "swift-property-based")],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HiveVectorsTests",
            dependencies: ["HiveVectors", "HiveCore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HiveEmbeddingsTests",
            dependencies: ["HiveEmbeddings", "HiveCore", "HiveVectors"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HiveLearningTests",
            dependencies: ["HiveLearning", "HiveCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HiveLedgerTests",
            dependencies: ["HiveLedger", "HiveCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HiveLedgerStorageTests",
            dependencies: [
                "HiveLedgerStorage", "HiveLedger", "HiveCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "HiveEvaluationTests", dependencies: ["HiveEvaluation", "HiveLearning"], swiftSettings: strictSettings),
        .testTarget(
            name: "HiveTwinTests",
            dependencies: [
                "HiveCore", "HiveTwin", "HiveEmbeddings", "twin-crash-writer", "HiveTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        // Sync end to end (issue 10): twins against a live in-process hub on loopback.
        .testTarget(
            name: "HiveSyncTests",
            dependencies: [
                "HiveCore", "HiveTwin", "HiveHub", "HiveLearning", "HiveEmbeddings", "HiveTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HiveHubTests",
            dependencies: [
                "HiveHub", "HiveCore", "HiveEmbeddings", "HiveLedger", "HiveLedgerStorage",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HiveMCPTests",
            dependencies: [
                "HiveMCP", "HiveTwin", "HiveHub", "HiveCore", "HiveEmbeddings", "hive", "HiveTestSupport",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HiveMeshTests",
            dependencies: [
                "HiveMesh", "HiveTwin", "HiveCore", "HiveTestSupport",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // `hive loadtest` pieces (issue 12): identity cache, mix parsing, /proc sampling, a short run on a live hub.
        .testTarget(
            name: "HiveLoadTests",
            dependencies: [
                "HiveLoad", "HiveCore", "HiveHub", "HiveLedger", "HiveTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // Fixtures shared by test targets: a live hub on loopback and built-executable subprocesses.
        // A plain target that only test targets depend on (no product, so nothing ships it).
        .target(
            name: "HiveTestSupport",
            dependencies: [
                "HiveCore", "HiveHub",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/HiveTestSupport",
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (issue 12): declared only when HIVE_FUZZ is set, so `swift build` never sees
// them. scripts/fuzz/run.sh builds them with `-sanitize=fuzzer` into .build-fuzz and runs each for
// a bounded time. CLibFuzzer declares libFuzzer's driver, which each target's main hands control to.
if Context.environment["HIVE_FUZZ"] != nil {
    let fuzzSettings = strictSettings
    package.targets += [
        .target(name: "CLibFuzzer", path: "Sources/Fuzz/CLibFuzzer"),
        .executableTarget(
            name: "fuzz-envelope",
            dependencies: ["CLibFuzzer", "HiveCore", "HiveLearning", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/Fuzz/Envelope", swiftSettings: fuzzSettings),
        .executableTarget(
            name: "fuzz-canonical-json", dependencies: ["CLibFuzzer", "HiveCore"], path: "Sources/Fuzz/CanonicalJSON",
            swiftSettings: fuzzSettings),
        .executableTarget(
            name: "fuzz-safetensors", dependencies: ["CLibFuzzer", "HiveEmbeddings"], path: "Sources/Fuzz/SafeTensors",
            swiftSettings: fuzzSettings),
        .executableTarget(
            name: "fuzz-movielens", dependencies: ["CLibFuzzer", "HiveEvaluation"], path: "Sources/Fuzz/MovieLens",
            swiftSettings: fuzzSettings),
    ]
}
