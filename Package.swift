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
/// HIVE_PORTABLE=1 to build for the baseline instead.
let vectorKernelSettings: [SwiftSetting] = {
    #if arch(x86_64)
    if Context.environment["HIVE_PORTABLE"] == nil {
        return [.unsafeFlags(["-target-cpu", "native"])]
    }
    #endif
    return []
}()

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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .target(
            name: "HiveCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(name: "HiveVectors", dependencies: ["HiveCore"], swiftSettings: strictSettings + vectorKernelSettings),
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
            swiftSettings: strictSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        .target(name: "HiveLearning", dependencies: ["HiveCore"], swiftSettings: strictSettings),
        .target(
            name: "HiveLedger",
            dependencies: ["HiveCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(name: "HiveEvaluation", dependencies: ["HiveCore"], swiftSettings: strictSettings),
        .executableTarget(
            name: "hive",
            dependencies: [
                "HiveCore", "HiveVectors", "HiveEmbeddings", "HiveLearning", "HiveLedger", "HiveEvaluation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HiveCoreTests",
            dependencies: ["HiveCore", .product(name: "PropertyBased", package: "swift-property-based")],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "HiveEvaluationTests", dependencies: ["HiveEvaluation"], swiftSettings: strictSettings),
        .testTarget(
            name: "HiveVectorsTests",
            dependencies: ["HiveVectors", "HiveCore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HiveEmbeddingsTests",
            dependencies: ["HiveEmbeddings", "HiveCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
