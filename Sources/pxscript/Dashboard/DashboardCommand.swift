import ArgumentParser
import Foundation
import Synchronization
import Hummingbird
import Logging
import PixiesetKit
import PXDashboard
import PXRuntime
import PXState
import ServiceLifecycle
import UnixSignals

/// `pxscript dashboard [SCRIPT…]`: the local web page, on
/// 127.0.0.1, behind a token printed once; `--url` prints the address of a
/// running one again (from the 0600 file beside each state).
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Open a local web page: status, approvals, activity, plans and results, with pause and approve buttons.",
        discussion: """
            Listens on 127.0.0.1 only and prints an address with a token; the page works only through it. \
            Without scripts it shows every state of the default state folder (plans need named scripts).
            """)

    @Argument(help: "Scripts (or a folder) to show; default: every state of the default folder.") var scripts: [String] = []
    @Option(help: "The port (default: any free one).") var port: Int = 0
    @Option(help: "Listen on this address instead of 127.0.0.1 (anyone who can reach it and has the token can send).")
    var listen: String?
    @Option(help: "Show every state in this folder (instead of the default state folder).") var folder: String?
    @Flag(help: "Open the page in the browser.") var open = false
    @Flag(help: "Print the address of the dashboard running on these states, and exit.") var url = false
    @OptionGroup var options: ScriptOptions

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port is 0 (any free port) to 65535") }
    }

    func run() async throws {
        try await withExitCodes {
            let environment = ProcessInfo.processInfo.environment
            let shown = try Self.scripts(scripts, folder: folder, options: options)
            if url {
                let addresses = Set(shown.flatMap { DashboardAddress.read(beside: $0.statePath) })
                guard !addresses.isEmpty else { throw Failure("no dashboard runs on these states (start one with `pxscript dashboard`)", code: Exit.usage) }
                for address in addresses.sorted() { printNow(address) }
                return
            }
            let config = try options.config()
            var configuration = Dashboard.Configuration(
                scripts: shown, api: { [api = options.api] in try api.resolve() }, config: config,
                clock: try RuntimeClock(environment: environment), environment: environment)
            configuration.port = port
            configuration.timeZone = try options.timeZone(config: config)
            if let listen {
                configuration.host = listen
                if !["127.0.0.1", "::1", "localhost"].contains(listen) {
                    printError("warning: listening on \(listen): anyone who can reach it and has the token can approve and send messages")
                }
            }
            let logger = options.logger
            let dashboard = Dashboard(configuration, logger: logger)
            let paths = shown.map(\.statePath)
            let app = dashboard.application { address in
                // Recorded before it is printed: whoever read the line finds it with --url.
                DashboardAddress.write(address, beside: paths)
                printNow("dashboard: \(address)")
                if open { Self.openBrowser(address) }
            }
            defer { DashboardAddress.remove(beside: paths) }
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: app, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }

    /// The scripts named (each with its default state), or every state of the default folder.
    static func scripts(_ scripts: [String], folder named: String?, options: ScriptOptions) throws -> [Dashboard.Script] {
        if let state = options.statePath {
            return [Dashboard.Script(label: scripts.first.map { ($0 as NSString).lastPathComponent } ?? (state as NSString).lastPathComponent,
                                     scriptPath: scripts.first, statePath: state)]
        }
        if !scripts.isEmpty {
            return try StateLocation.defaultPaths(of: scripts, api: options.api).map {
                Dashboard.Script(label: ($0.script as NSString).lastPathComponent, scriptPath: $0.script, statePath: $0.path)
            }
        }
        let folder = named ?? StatePath.folder(environment: ProcessInfo.processInfo.environment)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".sqlite") && $0 != AutomatedMessages.fileName }.sorted().map {
            Dashboard.Script(label: String($0.dropLast(7)), scriptPath: nil, statePath: folder + "/" + $0)
        }
    }

    static func openBrowser(_ address: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [FileManager.default.fileExists(atPath: "/usr/bin/open") ? "open" : "xdg-open", address]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
    }
}

/// The running dashboards' addresses, in a file beside each state they show
/// (mode 0600: an address holds its token), one line each, for `pxscript
/// dashboard --url`: two dashboards on one state (one for a script, one for
/// all) each keep their line, and one that stops takes only its own away.
/// Each change holds the file's lock (`flock`), so two starting at once both stay.
enum DashboardAddress {
    /// The address this process wrote (a process runs one dashboard).
    private static let written = Mutex<String?>(nil)

    static func file(beside statePath: String) -> String { statePath + ".dashboard" }

    static func write(_ address: String, beside paths: [String]) {
        written.withLock { $0 = address }
        for path in paths where FileManager.default.fileExists(atPath: (path as NSString).deletingLastPathComponent) {
            change(beside: path) { $0.filter { $0 != address } + [address] }
        }
    }

    static func read(beside statePath: String) -> [String] {
        guard let text = try? String(contentsOfFile: file(beside: statePath), encoding: .utf8) else { return [] }
        return lines(text)
    }

    /// Takes this process's line away (a file left empty means none runs).
    static func remove(beside paths: [String]) {
        guard let address = written.withLock({ $0 }) else { return }
        for path in paths where FileManager.default.fileExists(atPath: file(beside: path)) {
            change(beside: path) { $0.filter { $0 != address } }
        }
    }

    private static func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Rewrites the file under its lock: read, changed, written whole.
    private static func change(beside path: String, _ body: ([String]) -> [String]) {
        let descriptor = open(file(beside: path), O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        // blocking: held for one read and one write of a few lines; another dashboard starting or stopping waits that long.
        guard flock(descriptor, LOCK_EX) == 0 else { return }
        defer { flock(descriptor, LOCK_UN) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
        let before = (try? handle.readToEnd()).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let after = body(lines(before))
        let text = after.isEmpty ? "" : after.joined(separator: "\n") + "\n"
        guard ftruncate(descriptor, 0) == 0 else { return }
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }
}
