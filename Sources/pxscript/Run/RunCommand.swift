import ArgumentParser
import Foundation
import Logging
import LuaKit
import PixiesetKit
import PixiesetModels
import PXConfig
import PXRuntime
import PXState

/// `pxscript run SCRIPT [--dry-run] [--sandbox] [--state PATH] [-- ARGS…]`: a one-off job.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a script once (a follow-up, an outreach batch, a digest).",
        discussion: """
            Sends are recorded in the script's state before they are made, so a run that is \
            interrupted and started again messages nobody twice. --dry-run sends nothing and \
            prints the plan: every message with its conversation, client, text, attachments and \
            the script line that asked.
              pxscript run followup.lua --dry-run
              pxscript run outreach.lua -- spring-minis
              pxscript run followup.lua --sandbox
            \(LoginHint.text)
            """
    )

    @Argument(help: "The Lua script.") var script: String
    @Flag(name: .customLong("dry-run"), help: "Send nothing; print the plan of every message.") var dryRun = false
    @Flag(help: "Start the sandbox studio in-process (demo data, throw-away state) and run against it.") var sandbox = false
    @Option(help: "Longest the whole run may take, like 30m or 2h (default 1h); --handler-timeout is for watch's handlers.")
    var timeout: String?
    @OptionGroup var options: ScriptOptions
    @Argument(parsing: .postTerminator, help: "Arguments for the script (px.args), after --.") var arguments: [String] = []

    func validate() throws {
        if let timeout, (DurationText.seconds(timeout) ?? 0) <= 0 { throw ValidationError("--timeout wants a duration like 30m or 2h") }
    }

    func run() async throws {
        try await withExitCodes {
            let config = try options.config()
            var runtimeOptions = try options.runtime(script: script, arguments: arguments, dryRun: dryRun, config: config)
            if let timeout, let seconds = DurationText.seconds(timeout) { runtimeOptions.runTimeout = .seconds(clamping: seconds) }
            let logger = options.logger
            try await options.withTarget(script: script, sandbox: sandbox) { api, statePath in
                try await execute(runtimeOptions, config: config, api: api, statePath: statePath, logger: logger)
            }
        }
    }

    private func execute(_ runtimeOptions: RuntimeOptions, config: ConfigFile, api: APIConfiguration, statePath: String, logger: Logger) async throws {
        logger.debug("state: \(statePath)")
        let clock = try RuntimeClock(environment: runtimeOptions.environment)
        var api = api.holding(atMost: runtimeOptions.limits.maxMemory)
        api.studioClock = clock.studio
        let state = try WorkingState(path: statePath, dryRun: runtimeOptions.dryRun)
        defer { state.close() }
        var runtimeOptions = try runtimeOptions.settlingZone(on: state.store, at: clock.now())
        if let note = runtimeOptions.zoneNote { logger.warning("\(note)") }
        let notices = NoticeSetup(config: config, api: api, deliver: !runtimeOptions.dryRun && !sandbox, clock: clock, logger: logger)
        runtimeOptions.notifier = notices.notifier
        var failure: (any Error)?
        var failedSends: String?
        do {
            try await PixiesetClient.withClient(api, logger: logger) { client in
                let runtime = try PXRuntime(options: runtimeOptions, client: client, store: state.store, clock: clock, logger: logger)
                let summary = try await runtime.run()
                if runtimeOptions.dryRun { printNow(PlanOutput.text(summary.plan)) }
                // On a terminal, one line says what the run did (a pipe stays quiet).
                if !runtimeOptions.dryRun, runtimeOptions.showsProgress, summary.sendFailures == nil { printError("done: \(summary.sends)") }
                // Sends failed, caught by the script or not: not a success.
                if let failures = summary.sendFailures {
                    failedSends = failures
                    throw RuntimeError.script(message: failures, traceback: "")
                }
            }
        } catch {
            failure = error
        }
        // Notices never change how a run ends: delivered within a few seconds, or left for the next run.
        await notices.notifier.finishRun(
            on: state.store, error: failure, maxSends: runtimeOptions.maxSends, script: runtimeOptions.scriptPath, failedSends: failedSends,
            at: clock.now())
        await notices.close()
        if let failure { throw failure }
    }
}
