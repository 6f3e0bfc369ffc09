// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Emend",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "emend", targets: ["emend"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        .target(
            name: "EmendCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Resources/dwc-terms.csv"), .copy("Quality/Resources/iso_3166-1.json"), .copy("Quality/Resources/ne_110m_admin0_countries.geojson")]
        ),
        .target(
            name: "EmendStore",
            dependencies: [
                "EmendCore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "EmendInterchange",
            dependencies: [
                "EmendCore", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "CompressNIO", package: "compress-nio"), .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(name: "EmendWeb", path: "Web", resources: [.copy("Templates"), .copy("Static")]),
        .target(name: "EmendModeration", path: "Moderation", resources: [.copy("Templates")]),
        .target(
            name: "EmendServer",
            dependencies: [
                "EmendStore", "EmendInterchange", "EmendWeb", "EmendModeration",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.json"), .copy("Resources/land-110m.geojson")]
        ),
        .executableTarget(
            name: "emend",
            dependencies: [
                "EmendServer",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Demo")]
        ),
        .testTarget(name: "EmendCoreTests", dependencies: ["EmendCore"]),
        .testTarget(name: "EmendStoreTests", dependencies: ["EmendStore", "EmendInterchange"]),
        .testTarget(
            name: "EmendInterchangeTests", dependencies: ["EmendInterchange", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(
            name: "EmendServerTests",
            dependencies: [
                "EmendServer", "EmendInterchange", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "CompressNIO", package: "compress-nio"), .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(name: "EndToEndTests", dependencies: ["emend", "EmendCore"]),
    ]
)
