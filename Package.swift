// swift-tools-version: 6.1
import PackageDescription

/// Hive: federated, offline-first AI twins.
///
/// Layering (dependencies point downward only):
/// HiveCore ← HiveVectors, HiveEmbeddings, HiveLearning, HiveLedger ← HiveTwin, HiveHub ← HiveMesh, HiveMCP ← hive
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

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
        .library(name: "HiveTwin", targets: ["HiveTwin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .target(
            name: "HiveCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(name: "HiveVectors", swiftSettings: strictSettings),
        .target(name: "HiveEmbeddings", dependencies: ["HiveCore"], swiftSettings: strictSettings),
        .target(name: "HiveLearning", dependencies: ["HiveCore"], swiftSettings: strictSettings),
        .target(
            name: "HiveLedger",
            dependencies: ["HiveCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(name: "HiveEvaluation", dependencies: ["HiveCore"], swiftSettings: strictSettings),
        .target(
            name: "HiveTwin",
            dependencies: [
                "HiveCore", "HiveVectors", "HiveEmbeddings",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
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
        .executableTarget(
            name: "hive",
            dependencies: [
                "HiveCore", "HiveVectors", "HiveEmbeddings", "HiveLearning", "HiveLedger", "HiveEvaluation",
                "HiveTwin",
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
            name: "HiveTwinTests",
            dependencies: [
                "HiveCore", "HiveTwin", "twin-crash-writer",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
