import Foundation
import Logging
import LuaKit
import PixiesetKit
import PixiesetModels
import PXRuntime
@testable import PXState
import StudioSandbox
import Synchronization
import Testing
import TestSupport

/// The instant every test sandbox and runtime start at (PXSCRIPT_NOW).
let testNow = "2026-03-01T09:00:00Z"

/// A folder with a script (and its files), a sandbox, and a state file,
/// for one test. Runs go through `PXRuntime` exactly as `pxscript run`
/// drives it, against the sandbox over loopback.
struct ScriptHarness {
    let folder: URL
    let sandbox: RunningSandbox
    let statePath: String
    let log = LogCapture()
    /// The cookie runs send (the sandbox's own unless a test sets another).
    var cookie: String? = nil

    /// Writes `files` (name → text) into the folder.
    func write(_ files: [String: String]) throws {
        for (name, text) in files {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    /// Runs `script` (written as `script.lua` unless a name is given).
    @discardableResult
    func run(
        _ script: String, name: String = "script.lua", dryRun: Bool = false, maxSends: Int = 200, arguments: [String] = [],
        limits: LuaLimits = LuaLimits(), allowEnvironment: [String] = [], environment: [String: String] = [:], timeZone: String = "UTC",
        notifier: Notifier = .recording
    ) async throws -> PXRuntime.Summary {
        try write([name: script])
        return try await runFile(
            folder.appendingPathComponent(name).path, dryRun: dryRun, maxSends: maxSends, arguments: arguments, limits: limits,
            allowEnvironment: allowEnvironment, environment: environment, timeZone: timeZone, notifier: notifier)
    }

    /// Runs the script at `path` (an example of the repository, say) with this harness's sandbox and state.
    @discardableResult
    func runFile(
        _ path: String, dryRun: Bool = false, maxSends: Int = 200, arguments: [String] = [], limits: LuaLimits = LuaLimits(),
        allowEnvironment: [String] = [], environment: [String: String] = [:], timeZone: String = "UTC", notifier: Notifier = .recording
    ) async throws -> PXRuntime.Summary {
        var options = RuntimeOptions(
            scriptPath: path, arguments: arguments, dryRun: dryRun, limits: limits, maxSends: maxSends,
            timeZone: try #require(TimeZone(identifier: timeZone)), allowEnvironment: allowEnvironment,
            environment: environment.merging(["PXSCRIPT_NOW": testNow]) { $1 })
        options.notifier = notifier
        let state = try WorkingState(path: statePath, dryRun: dryRun)
        defer { state.close() }
        let store = state.store
        let clock = try RuntimeClock(environment: options.environment)
        var api = APIConfiguration(baseURL: try BaseURL(parsing: sandbox.baseURL), cookie: cookie ?? sandbox.cookie, retry: .fast)
        api.studioClock = clock.studio
        return try await PixiesetClient.withClient(api, logger: log.logger) { client in
            let runtime = try PXRuntime(options: options, client: client, store: store, clock: clock, logger: log.logger)
            return try await runtime.run()
        }
    }

    /// The script's result values, for scripts that `return` what they saw.
    func values(_ script: String, timeZone: String = "UTC") async throws -> [String] { try await run(script, timeZone: timeZone).results }

    /// Messages in the sandbox, in order.
    func messages() throws -> [(id: String, conversationID: String, content: String, senderType: String)] {
        try sandbox.database.allMessages()
    }

    func state() throws -> StateStore { try StateStore(path: statePath) }
}

/// A fresh sandbox (demo data at `testNow`) and folder for one test.
func withHarness<T>(faults: String? = nil, quirks: String? = nil, _ body: (ScriptHarness) async throws -> T) async throws -> T {
    var configuration = SandboxConfiguration()
    configuration.clock = StartingClock(start: Timestamp(parsing: testNow)!)
    if let faults { configuration.faults = try FaultPlan(parsing: faults) }
    if let quirks { configuration.quirks = try Quirks(parsing: quirks) }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxruntime-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try await StudioSandbox.withRunning(configuration) { sandbox in
        try await body(ScriptHarness(folder: folder, sandbox: sandbox, statePath: folder.appendingPathComponent("state.sqlite").path))
    }
}

/// The error a run ends with.
func runError(_ body: () async throws -> Void) async -> RuntimeError? {
    do {
        try await body()
        return nil
    } catch let error as RuntimeError {
        return error
    } catch {
        Issue.record("not a RuntimeError: \(error)")
        return nil
    }
}
