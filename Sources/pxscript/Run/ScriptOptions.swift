import ArgumentParser
import Foundation
import Logging
import LuaKit
import PixiesetKit
import PixiesetModels
import PXConfig
import PXRuntime
import PXState
import StudioSandbox

/// The options every script command shares (docs/spec.md §5 "Common options").
struct ScriptOptions: ParsableArguments {
    @OptionGroup var api: APIOptions
    @Option(name: .customLong("state"), help: "The state file (default: one per script and account under $XDG_STATE_HOME/pxscript).")
    var statePath: String?
    @Option(name: .customLong("allow-read"), help: "A folder scripts may read besides their own (repeatable).") var allowRead: [String] = []
    @Option(name: .customLong("allow-env"), help: "An environment variable os.getenv may read (repeatable).") var allowEnv: [String] = []
    @Option(name: .customLong("max-instructions"), help: "Lua instructions per run (default 1e9).") var maxInstructions: String?
    @Option(name: .customLong("max-memory"), help: "Memory of the Lua state, like 256M (default 256 MiB).") var maxMemory: String?
    @Option(name: .customLong("handler-timeout"), help: "Longest run of one handler, like 5m (default 5m).") var handlerTimeout: String?
    @Option(name: .customLong("max-sends"), help: "Sends per calendar day on this state (default 200, or max_sends in the config file).")
    var maxSends: Int?
    @Option(name: .customLong("tz"), help: "Time zone for the send cap, dates and hours (default TZ, the config file, or the machine's).")
    var tz: String?
    @Flag(name: .customLong("change-tz"), help: "Count this state's days in --tz from now on (a state keeps the zone of its first run).")
    var changeTZ = false
    @Flag(name: .long, help: "Send nothing directly: every send waits for your approval (pxscript approvals).") var approve = false
    @Flag(name: .long, help: "Log more (the state path, each request's outcome).") var verbose = false
    @Flag(name: .long, help: "Log warnings and errors only.") var quiet = false
    @Option(name: .customLong("log-format"), help: "text or json.") var logFormat: String = "text"

    func validate() throws {
        guard logFormat == "text" || logFormat == "json" else { throw ValidationError("--log-format is text or json") }
        if verbose && quiet { throw ValidationError("--verbose and --quiet do not go together") }
        if changeTZ && tz == nil { throw ValidationError("--change-tz goes with --tz ZONE (the zone to count in from now on)") }
        _ = try handlerTimeoutDuration()
        _ = try limits()
        if let maxSends, maxSends < 0 { throw ValidationError("--max-sends must be 0 or more") }
        _ = try limits()
        _ = try timeZone(config: ConfigFile())
    }

    func limits() throws -> LuaLimits {
        var limits = LuaLimits()
        if let maxInstructions {
            guard let value = Double(maxInstructions), value >= 1, value <= 9e18 else {
                throw ValidationError("--max-instructions wants a number like 1e9")
            }
            limits.maxInstructions = Int64(value)
        }
        if let maxMemory {
            guard let bytes = Self.bytes(maxMemory), bytes >= 1 << 20 else { throw ValidationError("--max-memory wants a size like 256M (at least 1M)") }
            limits.maxMemory = bytes
        }
        return limits
    }

    static func bytes(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        guard let last = text.uppercased().last else { return nil }
        // Checked: 99999999999G is a usage error, not an overflow.
        guard let number = Int(last.isNumber ? Substring(text) : text.dropLast()), number >= 0 else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: last.isNumber ? 1 : (units[last] ?? 0))
        return overflow || bytes > 1 << 40 ? nil : bytes
    }

    func handlerTimeoutDuration() throws -> Duration {
        guard let handlerTimeout else { return .seconds(300) }
        guard let seconds = DurationText.seconds(handlerTimeout), seconds > 0 else {
            throw ValidationError("--handler-timeout wants a duration like 5m or 90s")
        }
        return .seconds(clamping: seconds)
    }

    /// Whether the zone was named (`--tz`, the config's `tz`) or is the machine's. `TZ` is the
    /// machine's: it follows the machine when it travels, so it never overrules the state.
    func zoneChoice(config: ConfigFile) -> StateStore.ZoneChoice {
        tz != nil || config.tz != nil ? .named : .machine
    }

    func timeZone(config: ConfigFile) throws -> TimeZone {
        let name = tz ?? config.tz ?? ProcessInfo.processInfo.environment["TZ"].flatMap { $0.isEmpty ? nil : $0 }
        guard let name else { return .current }
        guard let zone = TimeZone(identifier: name.hasPrefix(":") ? String(name.dropFirst()) : name) else {
            throw ValidationError("unknown time zone '\(name)' (use a name like America/Toronto)")
        }
        return zone
    }

    /// The runtime options for `script`.
    /// - Throws: `RuntimeError.missingFile` (66) when `script` is not a file,
    ///   before anything (a state, a sandbox) is made for it.
    func runtime(script: String, arguments: [String], dryRun: Bool, config: ConfigFile) throws -> RuntimeOptions {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: script, isDirectory: &isFolder) else {
            throw RuntimeError.missingFile("\(script): no such file")
        }
        guard !isFolder.boolValue else { throw RuntimeError.usage("\(script) is a folder, not a Lua script") }
        var options = RuntimeOptions(
            scriptPath: script, arguments: arguments, dryRun: dryRun, limits: try limits(),
            maxSends: maxSends ?? config.maxSends ?? 200, timeZone: try timeZone(config: config),
            allowRead: allowRead + config.allowRead, allowEnvironment: allowEnv,
            environment: ProcessInfo.processInfo.environment, showsProgress: isatty(STDERR_FILENO) == 1)
        options.zoneChoice = zoneChoice(config: config)
        options.zoneOrigin = tz != nil ? "--tz" : config.tz != nil ? "the config file's tz" : nil
        options.changeZone = changeTZ
        if approve { options.approveAll = 2 * 86_400 }
        return options
    }

    /// The config file (`~/.config/pxscript/config.toml`), or an empty one.
    func config() throws -> ConfigFile {
        try ConfigFile.defaultPath(environment: ProcessInfo.processInfo.environment).map { try ConfigFile.load(path: $0) } ?? ConfigFile()
    }

    var logger: Logger { LogOutput.logger(verbose: verbose, quiet: quiet, json: logFormat == "json") }

    /// Calls `body` with the API and the state path `script` runs against:
    /// under `sandbox`, an in-process sandbox studio with demo data and a
    /// throw-away state; otherwise the resolved API and the script's state
    /// (`--state`, else the default per script and account).
    func withTarget(script: String, sandbox: Bool, _ body: (APIConfiguration, String) async throws -> Void) async throws {
        try await withTarget(scripts: [script], sandbox: sandbox) { api, paths in try await body(api, paths[0]) }
    }

    /// The same for several scripts (a watch daemon's): one state path each, in order.
    func withTarget(scripts: [String], sandbox: Bool, _ body: (APIConfiguration, [String]) async throws -> Void) async throws {
        let environment = ProcessInfo.processInfo.environment
        guard sandbox else {
            let api = try self.api.resolve()
            try await body(api, scripts.map { statePath ?? StatePath.defaultPath(script: $0, baseURL: api.baseURL.description, environment: environment) })
            return
        }
        try await InProcessSandbox.withRunning { api in
            // `--state` is kept (to look at with `approvals`, `status` or the dashboard meanwhile, or after);
            // else a throw-away state, said where, so those commands can be pointed at it.
            if let statePath {
                try await body(api, scripts.indices.map { $0 == 0 ? statePath : statePath + "-\($0)" })
                return
            }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxscript-state-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let paths = scripts.indices.map { folder + ($0 == 0 ? "/state.sqlite" : "/state-\($0).sqlite") }
            printError("sandbox: state \(paths[0]) (removed on exit; `--state PATH` keeps one, and `pxscript approvals --state PATH` reads it)")
            try await body(api, paths)
        }
    }
}
