// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Cellar",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cellar", targets: ["cellar"]),
        .library(name: "CellarImage", targets: ["CellarImage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4",
                       providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16",
                       providers: [.apt(["libpng-dev"])]),
        .target(name: "CImageIO", dependencies: ["CTIFF", "CPNG"]),
        .target(name: "CellarImage", dependencies: ["CImageIO", "CTIFF"]),
        .target(name: "CellarSynth", dependencies: ["CellarImage"]),
        .target(name: "CellarSegment", dependencies: ["CellarImage"]),
        .executableTarget(
            name: "cellar",
            dependencies: [
                "CellarImage", "CellarSynth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "CellarImageTests", dependencies: ["CellarImage"]),
        .testTarget(name: "CellarSegmentTests", dependencies: ["CellarSegment", "CellarImage"]),
    ],
    swiftLanguageModes: [.v6]
)

// Whole-module optimisation and no exclusivity checks in the pixel loops' release builds.
for target in package.targets where target.type == .regular || target.type == .executable {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
    ]
}
