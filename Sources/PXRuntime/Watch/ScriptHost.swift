import Foundation
import Logging
import PixiesetKit
import PXState

/// One script of a watch daemon (docs/spec.md §6): its own Lua state,
/// state file, handlers, schedules, reload and failures. A script that
/// does not load is set aside, and tried again when it is edited; the
/// daemon's other scripts go on.
struct ScriptHost: Sendable {
    let script: WatchService.Script
    /// The state it works on (a throw-away copy for a dry run).
    let state: WorkingState
    /// Its options, with the zone its state counts days in.
    let options: RuntimeOptions
    var version: ScriptVersion
    /// The version running (nil: it failed to load, or has not yet).
    var runtime: PXRuntime?
    var loop: WatchLoop?
    /// What its last pass asked for: when it is next due between polls, and
    /// whether a burst of messages waits for its quiet period.
    var wake: Date?
    var debouncing = false

    var store: StateStore { state.store }
    var handlesMessages: Bool { runtime?.handlesMessages ?? false }

    /// Opens its state (the daemon's lock on it is taken before).
    init(script: WatchService.Script, dryRun: Bool, now: Date) throws {
        self.script = script
        state = try WorkingState(path: script.statePath, dryRun: dryRun, busyTimeout: script.options.busyTimeout)
        do {
            options = try script.options.settlingZone(on: state.store, at: now)
        } catch {
            state.close()
            throw error
        }
        version = ScriptVersion(script: script.path)
    }

    func close() { state.close() }

    /// Runs the script's top level on a new Lua state with `client`; returns
    /// its error, if any. The previous version, if any, is dropped either
    /// way (a reload replaces it).
    mutating func load(client: PixiesetClient, clock: RuntimeClock, logger: Logger) async -> (any Error)? {
        runtime = nil
        loop = nil
        wake = nil
        debouncing = false
        if let note = options.zoneNote { logger.warning("\(script.path): \(note)") }
        do {
            let runtime = try PXRuntime(options: options, client: client, store: store, clock: clock, logger: logger)
            let handlers = try await runtime.loadWatchScript()
            if handlers == 0 && runtime.scheduleCount == 0 {
                logger.warning("\(script.path) registers no px.on(\"message\", …) handler and no schedule (px.every, px.cron, px.at): nothing to do")
            }
            self.runtime = runtime
            return nil
        } catch {
            return error
        }
    }

    /// Starts its loop (after the studio's clock was read: schedules count from then).
    mutating func start(siblings: [PXRuntime], client: PixiesetClient, clock: RuntimeClock, logger: Logger, maxAttempts: Int, retryDelay: Double) {
        guard let runtime else { return }
        var loop = WatchLoop(
            runtime: runtime, store: store, client: client, logger: logger, clock: clock, maxAttempts: maxAttempts, retryDelay: retryDelay)
        loop.siblings = siblings.filter { $0 !== runtime }
        self.loop = loop
    }
}
