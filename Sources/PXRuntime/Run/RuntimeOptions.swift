import Foundation
import LuaKit
import PXState

/// How a script runs: what the command line and the config file decided.
public struct RuntimeOptions: Sendable {
    /// The script's path as given; errors name it so.
    public var scriptPath: String
    /// `px.args`: the words after `--`.
    public var arguments: [String]
    public var dryRun: Bool
    /// Running under `pxscript watch`: `px.on` registers handlers, and a
    /// send from the script's top level is an error (docs/spec.md §6).
    public var watch: Bool = false
    /// `--handler-timeout`: the wall-clock limit of one handler run (watch).
    public var handlerTimeout: Duration = .seconds(300)
    /// `--timeout`: the wall-clock limit of a whole `run` (docs/spec.md §5).
    public var runTimeout: Duration = .seconds(3600)
    public var limits: LuaLimits
    /// `--max-sends`: sends per calendar day in `timeZone` (docs/spec.md §5).
    public var maxSends: Int
    public var timeZone: TimeZone
    /// Whether `timeZone` was named or is the machine's (see `StateStore.settleZone`).
    public var zoneChoice: StateStore.ZoneChoice = .named
    /// `--change-tz`: the state counts its days in `timeZone` from now on.
    public var changeZone = false
    /// Where a named zone came from (`--tz`, the config file's `tz`), for what an error says.
    public var zoneOrigin: String?
    /// Set by `settlingZone` when the machine's zone differs from the state's: a warning to show.
    public var zoneNote: String?
    /// `--allow-read` folders, besides the script's own.
    public var allowRead: [String]
    /// `--allow-env` names `os.getenv` may read.
    public var allowEnvironment: [String]
    public var environment: [String: String]
    /// Whether progress bars may draw (standard error is a terminal).
    public var showsProgress: Bool
    /// `--approve`: every send waits for approval, open this many seconds (nil: sends go out).
    public var approveAll: Double?
    /// Where `px.notify` and the daemon's conditions go; by default only recorded in the state.
    public var notifier: Notifier = .recording
    /// How long a write waits for another process's lock on the state (`PXSCRIPT_BUSY_TIMEOUT`).
    public var busyTimeout: Double = StateStore.busyTimeout
    /// Where the script's `print` goes (nil: standard output); `pxscript test` keeps it.
    public var printer: (@Sendable (String) -> Void)?

    public init(
        scriptPath: String, arguments: [String] = [], dryRun: Bool = false, limits: LuaLimits = LuaLimits(), maxSends: Int = 200,
        timeZone: TimeZone = .current, allowRead: [String] = [], allowEnvironment: [String] = [],
        environment: [String: String] = [:], showsProgress: Bool = false
    ) {
        self.scriptPath = scriptPath
        self.arguments = arguments
        self.dryRun = dryRun
        self.limits = limits
        self.maxSends = maxSends
        self.timeZone = timeZone
        self.allowRead = allowRead
        self.allowEnvironment = allowEnvironment
        self.environment = environment
        self.showsProgress = showsProgress
    }
}

extension RuntimeOptions {
    /// These options with the zone `store` counts its days in (the zone of
    /// its first run, unless changed on purpose): see `StateStore.settleZone`.
    public func settlingZone(on store: StateStore, at now: Date) throws -> RuntimeOptions {
        var options = self
        options.timeZone = try store.settleZone(timeZone, choice: zoneChoice, change: changeZone, at: now, origin: zoneOrigin)
        // The cap in force, for `status` (one read; written when it changed).
        if try store.settings.value(.capInForce) != String(maxSends) { try store.settings.set(.capInForce, String(maxSends)) }
        // A machine that travelled: the studio's zone stays, said once per start (never a refusal).
        if zoneChoice == .machine, options.timeZone.identifier != timeZone.identifier {
            options.zoneNote = "this machine is in \(timeZone.identifier), but this state counts the studio's days and times in "
                + "\(options.timeZone.identifier) and goes on doing so; to say so for good, set tz = \"\(options.timeZone.identifier)\" in "
                + "config.toml; to move the studio to \(timeZone.identifier), run once with --tz \(timeZone.identifier) --change-tz"
        }
        return options
    }
}
