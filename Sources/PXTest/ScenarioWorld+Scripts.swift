import Foundation
import LuaKit
import PixiesetKit
import PXConfig
import PXRuntime
import PXState
import StudioSandbox

/// The scripts of a scenario: `s:run` (a one-off job, to completion, at the
/// clock's time), `s:watch` (the daemon, on the virtual clock), and what
/// their states hold (`s:store`, `s:journal`). Each script keeps one state
/// file for the whole scenario, so `px.once` and `px.store` carry over
/// from one run to the next, as they do for a photographer.
extension ScenarioWorld {
    /// `s:run(SCRIPT, { args = {…}, max_sends = N })`: returns what the script returned, as text.
    func run(_ name: String, arguments: [String], maxSends: Int? = nil) async throws -> [String] {
        try await failIfDaemonEnded()
        var options = try runtimeOptions(name, arguments: arguments, watch: false)
        if let maxSends { options.maxSends = maxSends }
        let store = try StateStore(path: statePath(name))
        defer { try? store.close() }
        let runtime = try PXRuntime(options: options, client: client, store: store, clock: runtimeClock, logger: log.logger)
        let summary: PXRuntime.Summary
        do {
            summary = try await runtime.run()
        } catch {
            throw ScenarioError("\(name) failed: \(error)")
        }
        lastScript = name
        await collect()
        return summary.results
    }

    /// A script's options in a scenario: the scenario's zone and cap, its prints kept.
    func runtimeOptions(_ name: String, arguments: [String], watch: Bool) throws -> RuntimeOptions {
        var options = RuntimeOptions(scriptPath: try resolve(name), arguments: arguments, maxSends: self.options.maxSends, timeZone: zone)
        options.watch = watch
        options.allowRead = self.options.allowRead
        options.printer = { [log] line in log.printed(line) }
        return options
    }

    /// `s:watch(SCRIPT…, { interval = "30s", max_sends = N })`: one daemon for the scripts, until the scenario ends.
    func watch(_ names: [String], interval: Double, maxSends: Int? = nil) async throws {
        guard daemon == nil else { throw ScenarioError("s:watch runs once in a scenario: name every script in one call") }
        var scripts: [WatchService.Script] = []
        for name in names {
            var options = try runtimeOptions(name, arguments: [], watch: true)
            if let maxSends { options.maxSends = maxSends }
            scripts.append(WatchService.Script(path: options.scriptPath, options: options, statePath: try statePath(name)))
        }
        let api = try sandbox.inProcessAPI(studioClock: runtimeClock.studio, pausingOn: chaos == nil ? nil : clock)
        var configuration = WatchService.Configuration(scripts: scripts, api: api, clock: runtimeClock)
        configuration.interval = interval
        configuration.locksAccount = false
        daemonConfiguration = configuration
        daemon = WatchService(configuration, logger: log.logger).start()
        lastScript = names.last
        // It loads, polls once and sleeps; a script that does not load ends it here.
        await clock.advance(to: clock.now())
        try await failIfDaemonEnded()
        await collect()
    }

    /// Raises what ended the daemon early (a script that did not load, a state error).
    func failIfDaemonEnded() async throws {
        guard let daemon, !clock.hasDaemon else { return }
        self.daemon = nil
        do {
            try await daemon.value
        } catch {
            throw ScenarioError("the watched scripts stopped: \(error)")
        }
    }

    /// `s:store(KEY [, SCRIPT])`: what the script's `px.store` holds for `key` (nil when nothing).
    func stored(_ key: String, script: String?) throws -> LuaValue {
        let store = try existingState(script, asked: "store")
        defer { try? store.close() }
        guard let json = try store.kept.value(forKey: key) else { return .nil }
        return try JSONBridge.decode(json)
    }

    /// `s:journal([SCRIPT])`: the script's journal, oldest first: `{ at, kind, conversation, detail }`.
    func journal(script: String?) throws -> LuaValue {
        let store = try existingState(script, asked: "journal")
        defer { try? store.close() }
        return .array(try store.journal.tail(limit: 100_000).map { entry in
            var fields: [LuaValue: LuaValue] = [
                .text("at"): .text(ScenarioTime.format(entry.at, zone: zone)), .text("kind"): .text(entry.kind), .text("detail"): .text(entry.detail),
            ]
            if let conversation = entry.conversationID { fields[.text("conversation")] = .text(conversation) }
            return .map(fields)
        })
    }

    private func existingState(_ script: String?, asked: String) throws -> StateStore {
        guard let name = script ?? lastScript else { throw ScenarioError("s:\(asked) names a script that ran (none ran yet)") }
        let path = try statePath(name)
        guard FileManager.default.fileExists(atPath: path) else { throw ScenarioError("s:\(asked): \(name) has not run in this scenario") }
        return try StateStore(path: path)
    }

    /// Largest script file a scenario runs (a script is text; a bigger file is not one).
    static let maximumScriptBytes = 4 << 20

    /// A script named by a scenario: beside the scenario file, or in the folder above `tests/`
    /// (only there). Its real path must lie under one of those folders, never be
    /// pxscript's config file or in its config or state folder, and be a regular file of at most
    /// 4 MiB: `s:run("~/.config/pxscript/config.toml")` ran the config as a script.
    func resolve(_ name: String) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let config = ConfigFile.defaultPath(environment: environment)
        let offLimits = ([config.map { ($0 as NSString).deletingLastPathComponent }, StatePath.folder(environment: environment)].compactMap { $0 })
            .compactMap { FilePolicy.realPath($0) }
        let roots = folders.compactMap { FilePolicy.realPath($0) }
        for folder in folders {
            let path = name.hasPrefix("/") ? name : (folder as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else { continue }
            guard let real = FilePolicy.realPath(path), roots.contains(where: { real.hasPrefix($0 + "/") }) else {
                throw ScenarioError("\(name): a scenario runs scripts of its own folder (\(folders.joined(separator: ", "))), not this one")
            }
            // By identity too: a hard link to the config under the scenario's folder is still the config.
            let identity = Self.identity(real)
            guard !offLimits.contains(where: { real == $0 || real.hasPrefix($0 + "/") }), real != config.flatMap(FilePolicy.realPath),
                  identity == nil || identity != config.flatMap(Self.identity)
            else {
                throw ScenarioError("\(name): pxscript's own files are not scripts")
            }
            guard real.hasSuffix(".lua") else { throw ScenarioError("\(name): a script is a .lua file") }
            let attributes = try? FileManager.default.attributesOfItem(atPath: real)
            guard attributes?[.type] as? FileAttributeType == .typeRegular else { throw ScenarioError("\(name): not a file") }
            guard ((attributes?[.size] as? NSNumber)?.intValue ?? 0) <= Self.maximumScriptBytes else {
                throw ScenarioError("\(name): larger than 4 MiB, not a script")
            }
            return real
        }
        throw ScenarioError("\(name): no such script (looked in \(folders.joined(separator: ", ")))")
    }

    /// A file's device and inode, which every hard link to it shares.
    static func identity(_ path: String) -> [Int]? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let device = (attributes[.systemNumber] as? NSNumber)?.intValue, let inode = (attributes[.systemFileNumber] as? NSNumber)?.intValue
        else { return nil }
        return [device, inode]
    }

    /// The script's state for this scenario (one per script).
    func statePath(_ name: String) throws -> String {
        if let known = states[name] { return known }
        let path = scratch + "/state-\(states.count + 1).sqlite"
        states[name] = path
        return path
    }
}
