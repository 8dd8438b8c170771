import Crypto
import Foundation
import Logging
import PixiesetKit
import PixiesetModels
import PXRuntime
import PXState
import PXTest
import StudioSandbox
import Synchronization

/// How one seed's run ended.
public struct SimulationResult: Sendable {
    public let seed: UInt64
    /// What the checker refused (empty: every property held).
    public let violations: [String]
    /// A digest of the studio's history (who wrote what, in which conversation, in order per
    /// conversation), without ids or times: two runs of a seed compare by it.
    public let historyHash: String
    /// The history the hash digests, a line a message (`conversation|sender|text`).
    public let history: [String]
    /// The plan as it was played: the last lines name what happened before a failure.
    public let trace: [String]
    public let clientMessages: Int
    public let replies: Int
    /// Messages parked in the daemon's state at the end (their handler failed every try).
    public let parked: Int
    public let restarts: Int
    /// Of the restarts, those after a crash inside a pass.
    public let crashes: Int
    /// Replies that asked for approval, and of them those the photographer approved that went out.
    public let asked: Int
    public let approvedSent: Int
    /// Local nights the nightly schedules ran (once each).
    public let nights: Int
    /// The daemon's send cap a day.
    public let maxSends: Int
    public let quirks: String
}

/// The whole daemon (`WatchService`, its script, its states and outbox, the client) against the
/// sandbox in this process, on one virtual clock, through a timeline drawn from a seed; then the
/// studio left quiet without faults; then `HistoryCheck` reads the studio's history and says what
/// broke (docs/simulation.md).
public enum Simulation {
    /// Answers every client message once, naming it, so the history says which reply answers which.
    /// A message ending in "!" makes the handler fail after its reply, every try: it is tried again
    /// (the reply not sent again) and parked, and the conversation's later messages go on. One ending
    /// in "?" is answered once the photographer approves (`decide`), unless the conversation moved on.
    static let script = """
        px.on("message", function(event)
          local text = event.message.content
          if text:sub(-1) == "?" then
            event:reply("re " .. text, { approve = true, expires = "90d" })
            return
          end
          event:reply("re " .. text)
          if text:sub(-1) == "!" then error("this handler fails after its reply") end
        end, { max_age = "90d" })
        -- Nightly, at local times the changes of daylight saving time skip (2:30 on the spring
        -- night) or repeat (1:30 on the autumn night): each counted once a local day, and when.
        for _, at in ipairs({ "30 1 * * *", "30 2 * * *" }) do
          px.cron(at, function()
            local key = at:sub(4, 4) .. "h " .. px.time.format(px.time.now(), "%Y-%m-%d")
            px.store.set(key, (px.store.get(key) or 0) + 1)
            px.store.set(key .. " at", px.time.format(px.time.now(), "%H:%M"))
          end, { name = "night " .. at:sub(4, 4) })
        end
        """

    /// A one-off job on the daemon's state: the round's note to every conversation, once (its key).
    static let outreachScript = """
        local round = px.args[1]
        for c in px.conversations.each() do
          px.send(c.id, round, { key = round })
        end
        """

    /// The script's zone: the plan's start puts a change of daylight saving time in it within days.
    static let zone = TimeZone(identifier: "America/Toronto")!

    /// The quiet hours at the end, faults off: every message due is answered within them (liveness).
    static let quiet: Double = 3 * 3_600
    /// Under a send cap within reach, what waited for the next day (a backlog of busy days, paused
    /// days) is answered within four: the quiet lasts that long.
    static let quietCapped: Double = 4 * 86_400

    /// Whether `plan`'s cap can be reached by the studio's traffic.
    static func capReachable(_ plan: SimulationPlan) -> Bool { plan.maxSends < 100 }

    public static func run(_ options: SimulationOptions) async throws -> SimulationResult {
        try await run(options, plan: SimulationPlan(options))
    }

    /// `options`' studio, daemon and checks through `plan` instead of the one its seed draws.
    static func run(_ options: SimulationOptions, plan: SimulationPlan) async throws -> SimulationResult {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxsim-\(options.seed)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let scriptPath = folder.appendingPathComponent("answer.lua").path
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let outreachPath = folder.appendingPathComponent("outreach.lua").path
        try outreachScript.write(toFile: outreachPath, atomically: true, encoding: .utf8)
        let statePath = folder.appendingPathComponent("answer.sqlite").path

        let start = plan.start
        let changes = StudioChanges()
        let clock = VirtualClock(start: start, studioVersion: { changes.version() })
        let skew = SkewedClock(clock: clock, skew: plan.skew)
        var configuration = SandboxConfiguration()
        configuration.seed = .none
        configuration.idSeed = options.seed
        configuration.quirks = try Quirks(parsing: plan.quirks)
        configuration.clock = FollowingClock(reference: Timestamp(start.addingTimeInterval(plan.skew))) { Timestamp(skew.studioNow()) }
        var logger = Logger(label: "pxsimulate")
        // `PXSIMULATE_LOG=info` shows the daemon's own log, to follow a failing seed.
        logger.logLevel = ProcessInfo.processInfo.environment["PXSIMULATE_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical

        return try await StudioSandbox.withRunning(configuration) { sandbox in
            changes.attach(sandbox.database)
            var run = Run(sandbox: sandbox, clock: clock, skew: skew, plan: plan, options: options, logger: logger)
            // Conversations, each with a message from before the daemon's first start: history.
            for index in 0..<options.conversations {
                let id = try await sandbox.database.openConversation(name: "Client \(index + 1)", email: "client\(index + 1)@sim.example")
                run.conversations.append(id)
                _ = try await sandbox.database.clientWritesIn(conversationID: id, content: "h\(index)-0")
            }
            let runtime = RuntimeClock(virtual: clock)
            var watchOptions = RuntimeOptions(scriptPath: scriptPath, timeZone: zone)
            watchOptions.watch = true
            // The send cap, as a photographer sets it: what stops a runaway loop, and now and then a busy day.
            watchOptions.maxSends = plan.maxSends
            // Every request of the daemon passes the crash point first.
            let crash = CrashPoint(statePath: statePath)
            var api = try sandbox.inProcessAPI(studioClock: runtime.studio, pausingOn: clock)
            let slow = SlowAnswers(clock: clock, seed: options.seed)
            api.inProcess = CrashingStudio(inner: SandboxStudio(sandbox: sandbox), crash: crash, slow: slow)
            run.slow = slow
            var watch = WatchService.Configuration(
                scripts: [.init(path: scriptPath, options: watchOptions, statePath: statePath)], api: api, clock: runtime)
            watch.interval = 30
            watch.locksAccount = false
            run.watch = watch
            run.statePath = statePath
            run.crash = crash
            // One-off runs talk to the studio without the crash point (a crash puts the daemon's state back).
            // Their waits (a send looked for again 5 s later) pass on the shared clock, each counted
            // (`VirtualClock.pass`): a studio that shows a message late must show it when they look again.
            var outreach = RuntimeOptions(scriptPath: outreachPath, timeZone: watchOptions.timeZone)
            outreach.maxSends = watchOptions.maxSends
            run.outreach = (outreach, try sandbox.inProcessAPI(studioClock: runtime.studio, pausingOn: clock), runtime)
            try await run.play()
            return try HistoryCheck(sandbox: sandbox, run: run).result(seed: options.seed, quirks: plan.quirks)
        }
    }
}

/// The studio's clock: the virtual clock plus a skew that a step (NTP) may change.
final class SkewedClock: Sendable {
    let clock: VirtualClock
    private let offset: Mutex<Double>

    init(clock: VirtualClock, skew: Double) {
        self.clock = clock
        offset = Mutex(skew)
    }

    func studioNow() -> Date { clock.now().addingTimeInterval(offset.withLock { $0 }) }
    func step(by seconds: Double) { offset.withLock { $0 += seconds } }
}
