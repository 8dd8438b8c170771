// swift-tools-version:6.2
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name ("main", "pxscript", …).
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

// libFuzzer runs of the fuzz targets (scripts/fuzz): a package of its own, so
// CI's test build never compiles it (the bounded harness is FuzzTests). The
// targets are the same file as the harness's (a symbolic link).
let package = Package(
    name: "pxscript-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "pxfuzz",
            dependencies: [
                .product(name: "PXRuntime", package: root),
                .product(name: "PXState", package: root),
                .product(name: "PXDashboard", package: root),
                .product(name: "LuaKit", package: root),
                .product(name: "PixiesetKit", package: root),
                .product(name: "PXConfig", package: root),
                .product(name: "PixiesetModels", package: root),
            ],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
