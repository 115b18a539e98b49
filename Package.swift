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
    #if arch(x86_64)
    if Context.environment["HIVE_PORTABLE"] == nil {
        flags += ["-target-cpu", "native"]
    }
    #endif
    return [.unsafeFlags(flags)]
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
        .target(name: "HiveEmbeddings", dependencies: ["HiveCore"], swiftSettings: strictSettings),
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
    ],
    swiftLanguageModes: [.v6]
)
