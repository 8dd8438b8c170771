import ArgumentParser
import Foundation
import Logging
import PXRuntime
import PixiesetKit
import StudioSandbox

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
            """
    )

    @Argument(help: "The Lua script.") var script: String
    @Flag(name: .customLong("dry-run"), help: "Send nothing; print the plan of every message.") var dryRun = false
    @Flag(help: "Start the sandbox studio in-process (demo data, throw-away state) and run against it.") var sandbox = false
    @OptionGroup var options: ScriptOptions
    @Argument(parsing: .postTerminator, help: "Arguments for the script (px.args), after --.") var arguments: [String] = []

    func run() async throws {
        try await withExitCodes {
            let environment = ProcessInfo.processInfo.environment
            let config = try ConfigFile.defaultPath(environment: environment).map(ConfigFile.load(path:)) ?? ConfigFile()
            let runtimeOptions = try options.runtime(script: script, arguments: arguments, dryRun: dryRun, config: config)
            let logger = LogOutput.logger(verbose: options.verbose, quiet: options.quiet, json: options.logFormat == "json")
            if sandbox {
                var configuration = SandboxConfiguration()
                configuration.clock = try FixedNow.clock(environment: environment)
                try await StudioSandbox.withRunning(configuration) { running in
                    printError("sandbox: \(running.baseURL) (database \(running.database.path), removed on exit)")
                    let api = APIConfiguration(baseURL: try BaseURL(parsing: running.baseURL), cookie: running.cookie)
                    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxscript-state-\(UUID().uuidString)").path
                    defer { try? FileManager.default.removeItem(atPath: folder) }
                    try await execute(runtimeOptions, api: api, statePath: folder + "/state.sqlite", logger: logger)
                }
            } else {
                let api = try options.api.resolve()
                let statePath = options.statePath
                    ?? StatePath.defaultPath(script: script, baseURL: api.baseURL.description, environment: environment)
                try await execute(runtimeOptions, api: api, statePath: statePath, logger: logger)
            }
        }
    }

    private func execute(_ runtimeOptions: RuntimeOptions, api: APIConfiguration, statePath: String, logger: Logger) async throws {
        logger.debug("state: \(statePath)")
        let clock = try RuntimeClock(environment: runtimeOptions.environment)
        let store: StateStore
        var scratch: String?
        if runtimeOptions.dryRun {
            // The plan works on a copy (or, before the first run, a fresh
            // state): the real state is neither changed nor created.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxscript-dry-run-\(UUID().uuidString)").path
            scratch = folder
            if FileManager.default.fileExists(atPath: statePath) {
                let real = try StateStore(path: statePath)
                defer { try? real.close() }
                store = try real.copy(to: folder + "/state.sqlite")
            } else {
                store = try StateStore(path: folder + "/state.sqlite")
            }
        } else {
            store = try StateStore(path: statePath)
        }
        defer {
            try? store.close()
            if let scratch { try? FileManager.default.removeItem(atPath: scratch) }
        }
        try await PixiesetClient.withClient(api, logger: logger) { client in
            let runtime = try PXRuntime(options: runtimeOptions, client: client, store: store, clock: clock, logger: logger)
            let summary = try await runtime.run()
            if runtimeOptions.dryRun { printNow(PlanOutput.text(summary.plan)) }
        }
    }
}
