// swift-tools-version:6.2
import PackageDescription

// Dependencies point one way (SPEC §2):
//   pxscript → PXRuntime → (PixiesetKit → PixiesetModels, LuaKit → CLua/CLuaShim)
//   PXRuntime → PXNotify → PixiesetKit (the `[notify]` config, redaction)
//   pxscript → StudioSandbox → PixiesetModels (the sandbox never imports the client)
// Every module a target imports is declared here (MemberImportVisibility needs it).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "pxscript",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pxscript", targets: ["pxscript"]),
        .library(name: "StudioSandbox", targets: ["StudioSandbox"]),
        .library(name: "PixiesetModels", targets: ["PixiesetModels"]),
        .library(name: "PXConfig", targets: ["PXConfig"]),
        .library(name: "PixiesetKit", targets: ["PixiesetKit"]),
        .library(name: "LuaKit", targets: ["LuaKit"]),
        .library(name: "PXState", targets: ["PXState"]),
        .library(name: "PXRuntime", targets: ["PXRuntime"]),
        .library(name: "PXTest", targets: ["PXTest"]),
        .library(name: "PXNotify", targets: ["PXNotify"]),
        .library(name: "PXDashboard", targets: ["PXDashboard"]),
        .library(name: "PXService", targets: ["PXService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.10.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
    ],
    targets: [
        .target(
            name: "PixiesetModels",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        .target(
            name: "CLuaShim",
            dependencies: ["CLua"]
        ),
        .target(
            name: "LuaKit",
            dependencies: ["CLua", "CLuaShim"],
            swiftSettings: swiftSettings
        ),
        // The config file (`config.toml`): the cookie, the base URL, limits, `[notify]`; read by the client, the
        // notifications, the runtime and the commands, and depending on none of them.
        .target(
            name: "PXConfig",
            dependencies: [
                "PixiesetModels",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PixiesetKit",
            dependencies: [
                "PXConfig",
                "PixiesetModels",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StudioSandbox",
            dependencies: [
                "PixiesetModels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Notifications to the photographer (issue 20): the targets of `[notify]` and their delivery.
        .target(
            name: "PXNotify",
            dependencies: [
                "PXConfig",
                "PixiesetKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The state of a script: the ledger, the outbox, approvals, notices, the journal, settings. No Lua,
        // no rendering: what a run, the dashboard and the commands read and write, below them all.
        .target(
            name: "PXState",
            dependencies: [
                "PXConfig",
                "PXNotify",
                "PixiesetKit",
                "PixiesetModels",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PXRuntime",
            dependencies: [
                "PXConfig",
                "LuaKit",
                "PXNotify",
                "PXState",
                "PixiesetKit",
                "PixiesetModels",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // `pxscript dashboard`: the local web page (issue 21), server-rendered.
        .target(
            name: "PXDashboard",
            dependencies: [
                "PXConfig",
                "PXRuntime",
                "PixiesetKit",
                "PixiesetModels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // `pxscript test`: scenario files run on an in-process sandbox studio and a virtual clock.
        .target(
            name: "PXTest",
            dependencies: [
                "PXConfig",
                "PXRuntime",
                "PXNotify",
                "LuaKit",
                "PixiesetKit",
                "PixiesetModels",
                "StudioSandbox",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // `pxscript service`: a watch daemon as a systemd unit or a LaunchAgent (the CLI only parses and prints).
        .target(
            name: "PXService",
            dependencies: [
                "PXConfig", "PXRuntime", "PixiesetKit", "PixiesetModels"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pxscript",
            dependencies: [
                "PXConfig",
                "PXRuntime",
                "PXService",
                "PXNotify",
                "PXDashboard",
                "PXTest",
                "LuaKit",
                "PixiesetKit",
                .product(name: "Crypto", package: "swift-crypto"),
                "StudioSandbox",
                "PixiesetModels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The seeded simulator (docs/simulation.md, `scripts/simulate`): the daemon against the sandbox
        // in process, faults, restarts and pauses drawn from a seed, every history checked.
        .target(
            name: "PXSimulator",
            dependencies: [
                "PXTest", "PXConfig", "PXRuntime", "PXState", "PixiesetKit", "PixiesetModels", "StudioSandbox",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pxsimulate",
            dependencies: ["PXSimulator", "PixiesetModels", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        // What more than one test target needs (log capture).
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PixiesetModelsTests",
            dependencies: ["PixiesetModels"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LuaKitTests",
            dependencies: ["LuaKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PixiesetKitTests",
            dependencies: [
                "PixiesetKit", "PXConfig",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                "PixiesetModels",
                "StudioSandbox",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StudioSandboxTests",
            dependencies: [
                "StudioSandbox",
                "PixiesetModels",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PXRuntimeTests",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                "PXRuntime", "PXState",
                "PXNotify",
                "LuaKit",
                "PixiesetKit", "PXConfig",
                "PixiesetModels",
                "StudioSandbox",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The fuzz targets, bounded for CI; `scripts/fuzz` runs them longer (Fuzz/ with libFuzzer).
        .testTarget(
            name: "FuzzTests",
            dependencies: ["PXRuntime", "PXState", "PXDashboard", "LuaKit", "PixiesetKit", "PXConfig", "PixiesetModels", "StudioSandbox"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PXDashboardTests",
            dependencies: [
                "PXDashboard",
                "PXNotify",
                "PXRuntime", "PXState",
                "PixiesetKit", "PXConfig",
                "PixiesetModels",
                "StudioSandbox",
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PXSimulatorTests",
            dependencies: ["PXSimulator", "PXState", "PXTest", "StudioSandbox"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PXTestTests",
            dependencies: ["PXTest", "PXRuntime", "PXState", "PixiesetKit", "PXConfig", "PixiesetModels", "StudioSandbox"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "pxscriptTests",
            dependencies: [
                "pxscript",
                "PXRuntime", "PXState",
                "PXNotify",
                "TestSupport",
                "StudioSandbox",
                "PixiesetModels",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
