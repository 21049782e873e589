// swift-tools-version:6.1
import PackageDescription

// Linux only: the watcher uses inotify, files are written through Glibc, locks are flock(2).
// (No `platforms:` claim for Apple systems: the package does not build there.)
let package = Package(
    name: "Cellar",
    products: [
        .executable(name: "cellar", targets: ["cellar"]),
        .library(name: "CellarImage", targets: ["CellarImage"]),
        .library(name: "CellarStore", targets: ["CellarStore"]),
        .library(name: "CellarServe", targets: ["CellarServe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4",
                       providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16",
                       providers: [.apt(["libpng-dev"])]),
        .target(name: "CImageIO", dependencies: ["CTIFF", "CPNG"]),
        .target(name: "CellarImage", dependencies: ["CImageIO", "CTIFF", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "CellarSynth", dependencies: ["CellarImage"]),
        .target(name: "CellarMeasure", dependencies: ["CellarImage"]),
        .target(name: "CellarSegment", dependencies: ["CellarImage"]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CConvKernels"),
        // The committed model is embedded (EmbedFile plugin), so an installed `cellar` needs no source tree.
        .target(name: "CellarUNet", dependencies: ["CellarImage", "CellarSegment", "COpenBLAS", "CConvKernels"],
                exclude: ["EmbedFile.txt"], plugins: ["EmbedFile"]),
        .target(
            name: "CellarIngest",
            dependencies: [
                "CellarImage", "CellarSegment", "CellarMeasure", "CellarStore", "CellarUNet",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]),
        .executableTarget(
            name: "cellar",
            dependencies: [
                "CellarImage", "CellarSynth", "CellarSegment", "CellarMeasure", "CellarStore", "CellarIngest", "CellarQuery",
                "CellarUNet", "CellarBench", "CellarServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .target(name: "CellarTestSupport", path: "Tests/CellarTestSupport"),
        .testTarget(name: "CellarImageTests", dependencies: ["CellarImage", "CellarTestSupport"]),
        .testTarget(name: "CellarSynthTests", dependencies: ["CellarSynth", "CellarImage", "CellarTestSupport"]),
        .testTarget(name: "CellarMeasureTests", dependencies: ["CellarMeasure", "CellarImage", "CellarBench", "CellarTestSupport"]),
        .testTarget(name: "CellarSegmentTests", dependencies: ["CellarBench", "CellarSegment", "CellarImage", "CellarTestSupport"]),
        .testTarget(name: "CellarUNetTests", dependencies: ["CellarUNet", "CellarSegment", "CellarImage", "CellarTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "CellarIngestTests", dependencies: ["CellarIngest", "CellarImage", "CellarStore", "CellarSynth", "CellarUNet", "CellarTestSupport"]),
        // Build-tool plugin: every `.sql` file of a directory → a Swift array of (name, sql).
        .executableTarget(name: "EmbedSQLTool", path: "Plugins/EmbedSQLTool"),
        .plugin(name: "EmbedSQL", capability: .buildTool(), dependencies: ["EmbedSQLTool"],
                path: "Plugins/EmbedSQL"),
        // Build-tool plugin: files (the U-Net model) → base64 Swift string constants.
        .executableTarget(name: "EmbedFileTool", path: "Plugins/EmbedFileTool"),
        .plugin(name: "EmbedFile", capability: .buildTool(), dependencies: ["EmbedFileTool"],
                path: "Plugins/EmbedFile"),
        .target(
            name: "CellarStore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["EmbedSQL.txt"],
            plugins: ["EmbedSQL"]),
        // Child process for the store's crash / concurrency tests (writer, reader, lock holder).
        .executableTarget(name: "cellar-store-probe", dependencies: ["CellarStore", "CellarBench"],
                          path: "Tests/CellarStoreProbe"),
        .testTarget(name: "CellarStoreTests", dependencies: ["CellarBench", "CellarStore", "cellar-store-probe", "CellarTestSupport"]),
        .target(
            name: "CellarQuery",
            dependencies: [
                "CellarStore", "CellarMeasure", "CellarImage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["EmbedSQL.txt"],
            plugins: ["EmbedSQL"]),
        // Benchmarks and the synthetic data they run on (`cellar bench`, `make bench`), kept out
        // of the production targets.
        .target(
            name: "CellarBench",
            dependencies: [
                "CellarImage", "CellarStore", "CellarMeasure", "CellarSegment", "CellarQuery",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "CellarQueryTests", dependencies: ["CellarBench", "CellarQuery", "CellarStore", "CellarMeasure", "CellarImage", "CellarTestSupport"]),
        // `cellar serve`: the web viewer (Hummingbird 2), JSON API and image rendering; read-only.
        .target(
            name: "CellarServe",
            dependencies: [
                "CellarStore", "CellarQuery", "CellarImage", "CellarMeasure",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Assets/index.html"), .embedInCode("Assets/app.js"), .embedInCode("Assets/app.css")]),
        .testTarget(name: "CellarServeTests", dependencies: [
            "CellarServe", "CellarBench", "CellarStore", "CellarQuery", "CellarImage", "CellarMeasure", "CellarSynth", "CellarTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        // Mutation fuzzer for the TIFF/PNG readers (`make fuzz`, under AddressSanitizer).
        .executableTarget(name: "cellar-fuzz", dependencies: ["CellarImage"]),
        // Bad-input corpus and crash checks: runs the built `cellar` binary as a child process.
        .testTarget(name: "CellarReliabilityTests", dependencies: ["cellar", "CellarStore", "CellarImage", "CellarSynth", "CellarTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

// No exclusivity checks in release builds: the pixel loops use unsafe buffers.
for target in package.targets where target.type == .regular || target.type == .executable {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
    ]
}
