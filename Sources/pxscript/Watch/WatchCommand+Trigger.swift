import Foundation
import Logging
import LuaKit
import PixiesetKit
import PixiesetModels
import PXRuntime
import PXState

extension WatchCommand {
    /// `pxscript watch SCRIPT --trigger NAME`: the morning digest now. A daemon running on
    /// the script's state is asked to run it (within one poll); otherwise it runs here, once, with the
    /// same code as the daemon's. Either way the schedule's own next run is unchanged.
    static func trigger(
        _ name: String, options: RuntimeOptions, api: APIConfiguration, statePath: String, dryRun: Bool, logger: Logger
    ) async throws {
        if !dryRun, let holder = DaemonLock.holder(statePath: statePath) {
            let store = try StateStore(path: statePath)
            defer { try? store.close() }
            // The daemon's loaded script names its schedules: a name it does not have is refused here.
            if let known = try store.settings.value(.scheduleNames).flatMap({ try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }),
               !known.contains(name)
            {
                throw RuntimeError.usage(
                    "no schedule named '\(TerminalText.escaped(String(name.prefix(80))))'"
                        + (known.isEmpty ? " in the script the daemon runs; it has none" : "; its schedules: \(known.joined(separator: ", "))"))
            }
            try store.settings.requestTrigger(name)
            printNow("asked the running daemon (\(holder)) to run \(name) once; it does within one poll")
            return
        }
        let clock = try RuntimeClock(environment: options.environment)
        var api = api.holding(atMost: options.limits.maxMemory)
        api.studioClock = clock.studio
        // A dry run records nothing durable: it works on a copy.
        let state = try WorkingState(path: statePath, dryRun: dryRun)
        defer { state.close() }
        let settled = try options.settlingZone(on: state.store, at: clock.now())
        try await PixiesetClient.withClient(api, logger: logger) { client in
            let runtime = try PXRuntime(options: settled, client: client, store: state.store, clock: clock, logger: logger)
            _ = try await runtime.loadWatchScript()
            await client.measureClock()
            let ran = try await runtime.runSchedule(named: name, now: clock.now())
            if dryRun { printNow(PlanOutput.text(await runtime.takePlan())) }
            guard ran else { throw Failure("\(name) failed (its error is logged above)") }
            logger.info("\(name) ran once")
        }
    }
}
