import Foundation
import LuaKit
import Logging
import PXRuntime
import PXState
import PixiesetKit
import PixiesetModels
import StudioSandbox

/// Runs scenario files: each scenario on a fresh in-process
/// sandbox studio and a virtual clock, with the scripts it names.
public struct ScenarioRunner: Sendable {
    public let options: ScenarioOptions

    public init(options: ScenarioOptions) { self.options = options }

    /// The scenario files under `paths`: a file as named; for a folder, its `*_test.lua` and its `tests/` folder's.
    /// - Throws: `ScenarioFileError.missing` for a path that does not exist.
    public static func files(in paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths.isEmpty ? ["."] : paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw ScenarioFileError.missing(path) }
            guard isFolder.boolValue else {
                files.append(path)
                continue
            }
            for folder in [path, (path as NSString).appendingPathComponent("tests")] {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
                files += names.filter { $0.hasSuffix("_test.lua") }.sorted().map { (folder as NSString).appendingPathComponent($0) }
            }
        }
        return files
    }

    /// Runs the scenarios of `file` whose name contains `filter` (all without one), in order.
    /// - Throws: `ScenarioFileError` when the file does not load.
    public func run(file: String, filter: String? = nil) async throws -> [ScenarioOutcome] {
        let scenarios = try ScenarioFile(path: file)
        let declared = try await scenarios.load()
        var outcomes: [ScenarioOutcome] = []
        for (index, scenario) in declared.enumerated() {
            if let filter, !filter.isEmpty, !scenario.name.localizedCaseInsensitiveContains(filter) { continue }
            outcomes.append(await run(index, scenario, of: scenarios))
        }
        return outcomes
    }

    /// Where a scenario file's scripts are: beside it, or above its `tests/` folder.
    static func folders(of file: String) -> [String] {
        let folder = (file as NSString).deletingLastPathComponent
        let here = folder.isEmpty ? "." : folder
        return (here as NSString).lastPathComponent == "tests" ? [here, (here as NSString).deletingLastPathComponent] : [here]
    }

    private func run(_ index: Int, _ scenario: ScenarioSession.Declared, of file: ScenarioFile) async -> ScenarioOutcome {
        guard let chaos = options.chaos, chaos.runs > 0 else { return await play(index, scenario, of: file, options: options) }
        // Each play its own seed, counted up from the first, so any one is played again alone with `--chaos 1 --seed`.
        let first = chaos.seed ?? UInt64.random(in: 1...999_999_999)
        var seconds = 0.0
        for play in 0..<chaos.runs {
            var options = options
            options.chaosSeed = first &+ UInt64(play)
            let outcome = await self.play(index, scenario, of: file, options: options, label: "play \(play + 1) of \(chaos.runs)")
            seconds += outcome.seconds
            if let failure = outcome.failure {
                return ScenarioOutcome(file: outcome.file, name: outcome.name, failure: failure, seconds: seconds, notes: outcome.notes)
            }
        }
        return ScenarioOutcome(file: file.path, name: scenario.name, failure: nil, seconds: seconds, notes: [])
    }

    private func play(
        _ index: Int, _ scenario: ScenarioSession.Declared, of file: ScenarioFile, options: ScenarioOptions, label: String = ""
    ) async -> ScenarioOutcome {
        let began = ContinuousClock.now
        let log = ScenarioLog()
        var failure: String?
        var chaos: ChaosRun?
        do {
            try await withWorld(scenario, file: file.path, log: log, options: options) { world in
                chaos = world.chaos
                do {
                    try await file.run(index, in: world)
                } catch {
                    await world.finish()
                    throw error
                }
                await world.finish()
            }
        } catch let error as LuaError {
            failure = error.message
        } catch {
            failure = "\(error)"
        }
        if let failure, let chaos {
            let restarts = chaos.restarts.isEmpty ? "no restart" : "the daemon restarted at " + chaos.restarts.joined(separator: ", ")
            let name = scenario.name.replacingOccurrences(of: "\"", with: "\\\"")
            // The file as it was named, so the command works from where the run was started.
            return ScenarioOutcome(
                file: file.path, name: scenario.name,
                failure: failure + "\n  under chaos (\(label)), seed \(chaos.seed): \(restarts); faults \(chaos.faults)"
                    + "\n  play it again: pxscript test \(file.path) --filter \"\(name)\" --chaos 1 --seed \(chaos.seed)",
                seconds: Self.seconds(since: began), notes: log.notable())
        }
        return ScenarioOutcome(
            file: file.path, name: scenario.name, failure: failure, seconds: Self.seconds(since: began), notes: failure == nil ? [] : log.notable())
    }

    /// A fresh studio (empty, or the demo one) on a virtual clock, a client, and the scratch folder of the scripts' states.
    private func withWorld(
        _ scenario: ScenarioSession.Declared, file: String, log: ScenarioLog, options: ScenarioOptions, _ body: (ScenarioWorld) async throws -> Void
    ) async throws {
        let zone = scenario.options.zone ?? options.zone
        let startText = scenario.options.start ?? options.start
        guard let start = ScenarioTime.parse(startText, zone: zone) else {
            throw ScenarioError("the scenario's start \"\(startText)\" is not a time like \"2026-06-01 10:00\"")
        }
        try await Self.withWorld(
            start: start, zone: zone, demo: scenario.options.demo, folders: Self.folders(of: file), options: options, log: log, body)
    }

    /// A studio of its own on a virtual clock that starts at `start` (what scenarios and `--replay` work on).
    static func withWorld(
        start: Date, zone: TimeZone, demo: Bool, folders: [String], options: ScenarioOptions, log: ScenarioLog,
        _ body: (ScenarioWorld) async throws -> Void
    ) async throws {
        let changes = StudioChanges()
        let clock = VirtualClock(start: start, studioVersion: { changes.version() })
        var configuration = SandboxConfiguration()
        configuration.seed = demo ? .demo : .none
        configuration.quirks = []
        configuration.clock = FollowingClock(reference: timestamp(start)) { timestamp(clock.now()) }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pxscript-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        StateStore.markScratch(folder: scratch)
        defer {
            StateStore.unmarkScratch(folder: scratch)
            try? FileManager.default.removeItem(atPath: scratch)
        }
        try await StudioSandbox.withRunning(configuration) { sandbox in
            changes.attach(sandbox.database)
            let runtimeClock = RuntimeClock(virtual: clock)
            let chaos = options.chaosSeed.map(ChaosRun.init(seed:))
            if let chaos { sandbox.controls.setFaults(try FaultPlan(parsing: chaos.faults)) }
            let api = try sandbox.inProcessAPI(studioClock: runtimeClock.studio, pausingOn: chaos == nil ? nil : clock)
            try await PixiesetClient.withClient(api, logger: log.logger) { client in
                let world = ScenarioWorld(
                    sandbox: sandbox, client: client, clock: clock, runtimeClock: runtimeClock, zone: zone, folders: folders,
                    scratch: scratch, log: log, options: options, chaos: chaos)
                try await body(world)
            }
        }
    }

    static func timestamp(_ date: Date) -> Timestamp { Timestamp(date) }

    static func seconds(since began: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - began).inSeconds
    }
}

/// How one scenario ended.
public struct ScenarioOutcome: Sendable {
    public let file: String
    public let name: String
    /// Why it failed (nil: it passed): the expectation's report, or the error, at the scenario's line.
    public let failure: String?
    public let seconds: Double
    /// The scripts' warnings and errors, for a failure.
    public let notes: [String]

    public var passed: Bool { failure == nil }
}
