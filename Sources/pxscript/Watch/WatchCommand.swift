import ArgumentParser
import Foundation
import Logging
import LuaKit
import PXRuntime
import PixiesetKit

/// `pxscript watch SCRIPT`: the handler daemon (SPEC §5, §6).
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Run a script's px.on handlers on every new client message, exactly once, until stopped.",
        discussion: """
            Each poll costs one request when nothing is new. History is never answered: the first \
            start begins at the newest message (or --since). Ctrl-C stops after the handlers in flight; \
            a second Ctrl-C stops at once. After an expired session or a refused CSRF token, sends \
            wait and the config file is read again every poll.
              pxscript watch autoreply.lua --dry-run --once
              pxscript watch autoreply.lua --interval 30s
            \(LoginHint.text)
            """
    )

    @Argument(help: "The Lua script.") var script: String
    @Option(help: "Time between polls, like 30s or 2m.") var interval: String = "30s"
    @Flag(help: "Run one poll cycle, wait for its handlers, and exit.") var once = false
    @Option(help: "On a state with no watermark yet, answer messages since this ISO 8601 time (without a zone: in --tz).") var since: String?
    @Flag(help: "Start the sandbox studio in-process (demo data, throw-away state) and watch it.") var sandbox = false
    @Flag(name: .customLong("dry-run"), help: "Send nothing; print the plan for each new message; record nothing.") var dryRun = false
    @Flag(name: .customLong("exit-on-expiry"), help: "Exit with 77 when the session expires, instead of waiting for a new cookie.")
    var exitOnExpiry = false
    @Flag(name: .customLong("no-reload"), help: "Keep running the script as it was at start-up, even when it is edited.")
    var noReload = false
    @OptionGroup var options: ScriptOptions

    func validate() throws {
        guard let seconds = DurationText.seconds(interval), seconds >= 0.2 else { throw ValidationError("--interval wants a duration like 30s (at least 0.2s)") }
        if let since, ISOTime.parse(since) == nil { throw ValidationError("--since wants an ISO 8601 time like 2026-03-01T09:00:00Z") }
    }

    func run() async throws {
        try await withExitCodes {
            var runtimeOptions = try options.runtime(script: script, arguments: [], dryRun: dryRun, config: try options.config())
            runtimeOptions.watch = true
            runtimeOptions.handlerTimeout = try options.handlerTimeoutDuration()
            let logger = options.logger
            try await options.withTarget(script: script, sandbox: sandbox) { api, statePath in
                let daemon = WatchDaemon(
                    script: script, interval: DurationText.seconds(interval) ?? 30, once: once, since: since.flatMap { ISOTime.parse($0, zone: runtimeOptions.timeZone) }, sandbox: sandbox, dryRun: dryRun,
                    exitOnExpiry: exitOnExpiry, noReload: noReload, runtimeOptions: runtimeOptions, api: api, statePath: statePath, logger: logger)
                try await daemon.runUntilStopped()
            }
        }
    }
}
