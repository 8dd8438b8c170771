// swift-tools-version:6.2
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which is whatever the
// checkout is called ("main", "pxscript", …).
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

// Measurements for scripts/bench. A separate package so that CI's test
// build never compiles it; it depends on the root package by path.
let package = Package(
    name: "pxscript-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        .executableTarget(
            name: "ClientBench",
            dependencies: [
                .product(name: "PixiesetKit", package: root),
                .product(name: "StudioSandbox", package: root),
                .product(name: "PixiesetModels", package: root),
                .product(name: "LuaKit", package: root),
                .product(name: "PXRuntime", package: root),
                .product(name: "PXState", package: root),
                .product(name: "PXTest", package: root),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                "RawTable",
            ]
        ),
        // The raw C API floor that Codable → Lua is compared with.
        .target(name: "RawTable", dependencies: ["CLuaBench"]),
        .systemLibrary(name: "CLuaBench", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
    ]
)
