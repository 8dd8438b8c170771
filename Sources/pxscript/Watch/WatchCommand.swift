import ArgumentParser
import Foundation
import Logging
import LuaKit
import PixiesetKit
import PXConfig
import PXDashboard
import PXRuntime
import PXState
import ServiceLifecycle
import UnixSignals

/// `pxscript watch SCRIPT…`: the handler daemon (docs/spec.md §5, §6). The daemon
/// itself is `WatchService` (PXRuntime); this command reads the options,
/// runs it in a `ServiceGroup` and turns its end into an exit code.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Run scripts' px.on handlers on every new client message, exactly once, until stopped.",
        discussion: """
            Each poll costs one request when nothing is new, however many scripts the daemon runs; \
            each script keeps its own state, handlers, schedules and reload. History is never answered: \
            the first start begins at the newest message (or --since). Ctrl-C stops after the handlers in \
            flight; a second Ctrl-C stops at once. After an expired session or a refused CSRF token, sends \
            wait and the config file is read again every poll.
              pxscript watch autoreply.lua --dry-run --once
              pxscript watch autoreply.lua vacation.lua digest.lua --interval 30s
              pxscript watch scripts/        (its *.lua, except *_test.lua and required modules)
              pxscript watch digest.lua --trigger "morning digest"   (run that schedule once, now)
              pxscript watch autoreply.lua --replay 30d              (what it would have said last month; sends nothing)
            \(LoginHint.text)
            """
    )

    @Argument(help: "The Lua scripts, or folders of them.") var scripts: [String]
    @Option(help: "Time between polls, like 30s or 2m.") var interval: String = "30s"
    @Flag(help: "Run one poll cycle, wait for its handlers, and exit.") var once = false
    @Option(help: "On a state with no watermark yet, answer messages since this ISO 8601 time (without a zone: in --tz).") var since: String?
    @Flag(help: "Start the sandbox studio in-process (demo data, throw-away state) and watch it.") var sandbox = false
    @Flag(name: .customLong("dry-run"), help: "Send nothing; print the plan for each new message; record nothing.") var dryRun = false
    @Flag(name: .customLong("exit-on-expiry"), help: "Exit with 77 when the session expires, instead of waiting for a new cookie.")
    var exitOnExpiry = false
    @Flag(name: .customLong("no-reload"), help: "Keep running the scripts as they were at start-up, even when they are edited.")
    var noReload = false
    @Option(help: "Show what the script would have sent over this much of the real inbox, like 30d (reads only; sends nothing).")
    var replay: String?
    @Option(help: "Run the schedule with this name once now (its name option, or like 'every 1h'), then exit; a running daemon is asked to.")
    var trigger: String?
    @Option(help: "Serve the dashboard on this port too (0: any free port); its address is printed and kept beside each state.")
    var dashboard: Int?
    @OptionGroup var options: ScriptOptions

    func validate() throws {
        guard let seconds = DurationText.seconds(interval), seconds >= 0.2 else { throw ValidationError("--interval wants a duration like 30s (at least 0.2s)") }
        if let since, ISOTime.parse(since) == nil { throw ValidationError("--since wants an ISO 8601 time like 2026-03-01T09:00:00Z") }
        guard !scripts.isEmpty else { throw ValidationError("watch wants a script (or several, or a folder of them)") }
    }

    func run() async throws {
        try await withExitCodes {
            let paths = try WatchScripts.resolve(scripts)
            // One state file holds one script's sends and ledger: it cannot serve several.
            if paths.count > 1, options.statePath != nil {
                throw RuntimeError.usage("--state names one script's state; with several scripts each keeps its own (leave --state out)")
            }
            let config = try options.config()
            let logger = options.logger
            let environment = ProcessInfo.processInfo.environment
            var scripts: [WatchService.Script] = []
            for path in paths {
                var runtime = try options.runtime(script: path, arguments: [], dryRun: dryRun, config: config)
                runtime.watch = true
                runtime.handlerTimeout = try options.handlerTimeoutDuration()
                scripts.append(WatchService.Script(path: path, options: runtime, statePath: ""))
            }
            let zone = scripts[0].options.timeZone
            if let replay {
                guard paths.count == 1 else { throw RuntimeError.usage("--replay plays one script; name that script alone") }
                guard let window = DurationText.seconds(replay), window > 0, window <= 366 * 86_400 else {
                    throw RuntimeError.usage("--replay wants a duration like 30d (at most a year)")
                }
                try await options.withTarget(scripts: paths, sandbox: sandbox) { api, statePaths in
                    try await Self.replay(window, script: paths[0], options: scripts[0].options, api: api, statePath: statePaths[0], logger: logger)
                }
                return
            }
            if let trigger {
                guard paths.count == 1 else { throw RuntimeError.usage("--trigger runs a schedule of one script; name that script alone") }
                try await options.withTarget(scripts: paths, sandbox: sandbox) { api, statePaths in
                    try await Self.trigger(trigger, options: scripts[0].options, api: api, statePath: statePaths[0], dryRun: dryRun, logger: logger)
                }
                return
            }
            try await options.withTarget(scripts: paths, sandbox: sandbox) { api, statePaths in
                let clock = try RuntimeClock(environment: environment)
                let notices = NoticeSetup(config: config, api: api, deliver: !dryRun && !sandbox, clock: clock, logger: logger)
                for index in scripts.indices {
                    scripts[index].statePath = statePaths[index]
                    scripts[index].options.notifier = notices.notifier
                }
                var configuration = WatchService.Configuration(scripts: scripts, api: api, clock: clock)
                configuration.notifier = notices.notifier
                configuration.interval = DurationText.seconds(interval) ?? 30
                configuration.once = once
                configuration.since = since.flatMap { ISOTime.parse($0, zone: zone) }
                configuration.dryRun = dryRun
                configuration.exitOnExpiry = exitOnExpiry
                configuration.noReload = noReload
                // A daemon outlives a session: after an expiry it reads the config file and PIXIESET_COOKIE again.
                configuration.cookies = sandbox ? nil : CookieSource(environment: environment, configPath: ConfigFile.defaultPath(environment: environment))
                configuration.locksAccount = !sandbox
                let labelled = paths.count > 1
                let service = WatchService(configuration, logger: logger) { script, plan in
                    printNow((labelled ? "\(script):\n" : "") + PlanOutput.text(plan))
                }
                var page: (any Service)?
                let pagePaths = scripts.map(\.statePath)
                if let port = dashboard {
                    var shown = Dashboard.Configuration(
                        scripts: scripts.map { Dashboard.Script(label: ($0.path as NSString).lastPathComponent, scriptPath: $0.path, statePath: $0.statePath) },
                        api: { api }, config: config, clock: clock, environment: environment)
                    shown.port = port
                    shown.timeZone = zone
                    page = Dashboard(shown, logger: logger).application { address in
                        DashboardAddress.write(address, beside: pagePaths)
                        printNow("dashboard: \(address)")
                    }
                }
                defer { if page != nil { DashboardAddress.remove(beside: pagePaths) } }
                do {
                    try await Self.runUntilStopped(service, beside: page, logger: logger)
                } catch {
                    await notices.close()
                    throw error
                }
                await notices.close()
            }
        }
    }

    /// Runs the daemon until it is stopped by a signal, `--once`, or an error:
    /// SIGINT or SIGTERM starts a graceful shutdown (no new poll; the
    /// handlers and sends in flight finish, within 30 s, after which they
    /// are cancelled); a second signal exits at once (`ForcedStop`).
    static func runUntilStopped(_ service: WatchService, beside page: (any Service)? = nil, logger: Logger) async throws {
        let forced = ForcedStop()
        defer { withExtendedLifetime(forced) {} }
        // Its end (--once, or a stop) ends the group; its name, not its fields (the cookie), is what the group logs.
        let daemon = ServiceGroupConfiguration.ServiceConfiguration(
            service: service, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "pxscript watch")
        // The dashboard (`--dashboard`) stops with the daemon.
        let dashboard = page.map {
            ServiceGroupConfiguration.ServiceConfiguration(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "dashboard")
        }
        var configuration = ServiceGroupConfiguration(
            services: [daemon] + (dashboard.map { [$0] } ?? []), gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(30)
        try await ServiceGroup(configuration: configuration).run()
    }
}
