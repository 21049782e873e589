// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Cellar",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cellar", targets: ["cellar"]),
        .library(name: "CellarImage", targets: ["CellarImage"]),
        .library(name: "CellarStore", targets: ["CellarStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4",
                       providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16",
                       providers: [.apt(["libpng-dev"])]),
        .target(name: "CImageIO", dependencies: ["CTIFF", "CPNG"]),
        .target(name: "CellarImage", dependencies: ["CImageIO", "CTIFF"]),
        .target(name: "CellarSynth", dependencies: ["CellarImage"]),
        .executableTarget(
            name: "cellar",
            dependencies: [
                "CellarImage", "CellarSynth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "CellarImageTests", dependencies: ["CellarImage"]),
        // Build-tool plugin: every `.sql` file of a directory → a Swift array of (name, sql).
        .executableTarget(name: "EmbedSQLTool", path: "Plugins/EmbedSQLTool"),
        .plugin(name: "EmbedSQL", capability: .buildTool(), dependencies: ["EmbedSQLTool"],
                path: "Plugins/EmbedSQL"),
        .target(
            name: "CellarStore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["EmbedSQL.txt"],
            plugins: ["EmbedSQL"]),
        // Child process for the store's crash / concurrency tests (writer, reader, lock holder).
        .executableTarget(name: "cellar-store-probe", dependencies: ["CellarStore"],
                          path: "Tests/CellarStoreProbe"),
        .testTarget(name: "CellarStoreTests", dependencies: ["CellarStore", "cellar-store-probe"]),
    ],
    swiftLanguageModes: [.v6]
)

// Whole-module optimisation and no exclusivity checks in the pixel loops' release builds.
for target in package.targets where target.type == .regular || target.type == .executable {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
    ]
}
