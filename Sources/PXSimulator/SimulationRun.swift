import Foundation
import Logging
import PixiesetKit
import PXConfig
import PXRuntime
import PixiesetModels
import PXState
import StudioSandbox

/// A seed's plan, played: the daemon started, then each step at its moment, then the quiet hours.
struct Run {
    let sandbox: RunningSandbox
    let clock: VirtualClock
    let skew: SkewedClock
    let plan: SimulationPlan
    let options: SimulationOptions
    let logger: Logger
    var conversations: [String] = []
    var watch: WatchService.Configuration?
    var statePath = ""
    var daemon: Task<Void, any Error>?
    /// What happened, a line a step, for a failure's report.
    var trace: [String] = []
    /// The client messages written once the daemon ran: each must be answered exactly once.
    var written: [(content: String, conversation: Int, at: Date)] = []
    /// The photographer's own messages, written in the studio's web app.
    var handWritten: [(content: String, conversation: Int, at: Date)] = []
    /// When sends were paused (studio time; `to` nil: until the end).
    var pauses: [(from: Date, to: Date?)] = []
    var restarts = 0
    /// Of the restarts, those after a crash.
    var crashes = 0
    /// Where the next crash is armed and how the state is put back after it.
    var crash: CrashPoint?
    /// How slow the daemon's answers are now.
    var slow: SlowAnswers?
    /// How a one-off outreach runs: its options, its studio, the clock.
    var outreach: (options: RuntimeOptions, api: APIConfiguration, clock: RuntimeClock)?
    /// The outreach notes asked for ("o3"), when (studio time), and whether sends were paused then.
    var outreachRounds: [(note: String, at: Date, paused: Bool, capped: Bool)] = []
    /// The photographer's decisions: the request, the text it asked to send, approved or rejected, and
    /// whether the decision took (the request was still waiting).
    var decisions: [(id: String, text: String, approved: Bool, took: Bool)] = []
    /// The studio's time at the daemon's first start and at the end of the run: the nights between them
    /// each run the nightly schedules once.
    var firstStart: Date?
    var end: Date?
    private var sequence = 0
    private var paused = false

    init(sandbox: RunningSandbox, clock: VirtualClock, skew: SkewedClock, plan: SimulationPlan, options: SimulationOptions, logger: Logger) {
        self.sandbox = sandbox
        self.clock = clock
        self.skew = skew
        self.plan = plan
        self.options = options
        self.logger = logger
    }

    mutating func play() async throws {
        let start = clock.now()
        try await startDaemon()
        for (at, step) in plan.timeline {
            try await advance(to: start.addingTimeInterval(at))
            try await apply(step)
        }
        sandbox.controls.setFaults(.none)
        slow?.set(rate: 0, longest: 0)
        if paused { try setPaused(false) }
        let quiet = Simulation.capReachable(plan) ? Simulation.quietCapped : Simulation.quiet
        note("quiet for \(Int(quiet / 3_600)) hours, no faults")
        try await advance(to: clock.now().addingTimeInterval(quiet))
        await stopDaemon()
        end = skew.studioNow()
    }

    /// Moves the clock to `target`; a daemon that crashed on the way is started again from the
    /// state its crash left, `supervisorDelay` later (as systemd or launchd would), and the clock goes on.
    private mutating func advance(to target: Date) async throws {
        while !(await clock.advanceWhileRunning(to: target)) {
            guard let crash, let what = crash.crashed else {
                // Ended without a crash (it stopped on its own): nothing to start again.
                await clock.advance(to: target)
                return
            }
            await stopDaemon()
            try crash.restore()
            restarts += 1
            crashes += 1
            note("the daemon crashed at \(what)")
            await clock.advance(to: min(target, clock.now().addingTimeInterval(Self.supervisorDelay)))
            note("started again from what its state held at the crash")
            try await startDaemon()
        }
    }

    /// How long after a crash the daemon runs again.
    static let supervisorDelay: Double = 10

    private mutating func apply(_ step: SimulationStep) async throws {
        switch step {
        case .clientWrites(let conversation, let failing, let asking):
            sequence += 1
            let content = "c\(conversation)-\(sequence)" + (failing ? "!" : asking ? "?" : "")
            _ = try await sandbox.database.clientWritesIn(conversationID: conversations[conversation], content: content)
            written.append((content, conversation, skew.studioNow()))
            note("client writes \(content)")
        case .studioWrites(let conversation):
            // Under `studio_as_client` the photographer's own message reads as a client's (assumption A26):
            // nothing can tell them apart, so the plan's hand-written answers are left out there.
            guard !plan.quirks.contains("studio_as_client") else { return }
            sequence += 1
            _ = try await sandbox.database.studioReplies(conversationID: conversations[conversation], content: "s\(conversation)-\(sequence)")
            handWritten.append(("s\(conversation)-\(sequence)", conversation, skew.studioNow()))
            note("the photographer writes s\(conversation)-\(sequence)")
        case .faults(let spec):
            sandbox.controls.setFaults(spec.isEmpty ? .none : try FaultPlan(parsing: spec))
            note(spec.isEmpty ? "faults off" : "faults \(spec)")
        case .crash(let point):
            crash?.arm(point)
            note("a crash armed \(point)")
        case .restart:
            await stopDaemon()
            restarts += 1
            note("daemon restarted")
            try await startDaemon()
        case .outreach(let round, let deciding):
            try await runOutreach("o\(round)", deciding: deciding)
        case .decide(let approve):
            try await decide(approve: approve)
        case .pause(let pause):
            guard pause != paused else { return }
            try setPaused(pause)
        case .slowAnswers(let rate, let longest):
            slow?.set(rate: rate, longest: longest)
            note(rate == 0 ? "answers quick again" : String(format: "%.0f%% of the answers slow, up to %.0f s", rate * 100, longest))
        case .clockStep(let seconds):
            skew.step(by: seconds)
            note("the studio's clock steps \(Int(saturating: seconds)) s")
        }
    }

    private mutating func startDaemon() async throws {
        guard let watch else { return }
        if firstStart == nil { firstStart = skew.studioNow() }
        let task = WatchService(watch, logger: logger).start()
        daemon = task
        crash?.stops { task.cancel() }
        // It loads and polls once (the first start takes what is there for history).
        await clock.advance(to: clock.now())
    }

    private mutating func stopDaemon() async {
        guard let running = daemon else { return }
        running.cancel()
        _ = try? await running.value
        daemon = nil
    }

    /// Two runs of the outreach at once on the daemon's state (a cron job and a photographer's
    /// click, say), with the faults held off meanwhile: which run sends what is up to their race,
    /// what the studio gets must not be.
    private mutating func runOutreach(_ round: String, deciding: Bool) async throws {
        guard let outreach else { return }
        let (askedAt, wasPaused) = (skew.studioNow(), paused)
        let faults = sandbox.controls.holdFaults()
        defer { sandbox.controls.resume(faults) }
        var asked = outreach.options
        asked.arguments = [round]
        let (path, logger, options) = (statePath, logger, asked)
        /// What a run came to, and whether the send cap stopped it (exit 75, told by the error's case).
        @Sendable func once() async -> (text: String, capped: Bool) {
            do {
                return try await PixiesetClient.withClient(outreach.api, logger: logger) { client in
                    let store = try StateStore(path: path)
                    defer { try? store.close() }
                    let summary = try await PXRuntime(options: options, client: client, store: store, clock: outreach.clock, logger: logger).run()
                    return (summary.sendFailures ?? summary.sends, false)
                }
            } catch RuntimeError.sendCap(let message) {
                return (message, true)
            } catch {
                return ("\(error)", false)
            }
        }
        async let first = once(), second = once()
        // And maybe an `approve` at the same moment: three processes on one state, one send lease.
        async let decision = deciding ? try decideOldest(approve: true) : nil
        let outcomes = await [first, second]
        if let decided = try await decision {
            decisions.append((decided.id, decided.text, true, decided.took))
            note("the photographer approves \"\(decided.text)\" while the outreach runs: \(decided.outcome.prefix(120))")
        }
        // A run the send cap stopped reached only some conversations: that is the cap's job.
        outreachRounds.append((round, askedAt, wasPaused, outcomes.contains(where: \.capped)))
        // The runs' sends are changes the daemon's next poll sees.
        clock.noteChange()
        note("two runs of the outreach \(round) at once: \(outcomes.map { $0.text.split(separator: "\n").first.map(String.init) ?? $0.text }.joined(separator: "; "))")
    }

    /// `pxscript approve` (or `reject`) of the oldest request still waiting, beside the daemon: it leaves
    /// the send to the daemon while one holds the state, else sends it itself (between a crash and the
    /// restart). Faults stay on: a studio that fails the send leaves it approved for the daemon's next try.
    private mutating func decide(approve: Bool) async throws {
        guard let decided = try await decideOldest(approve: approve) else { return }
        decisions.append((decided.id, decided.text, approve, decided.took))
        note("the photographer \(approve ? "approves" : "rejects") \"\(decided.text)\": \(decided.outcome.prefix(120))")
    }

    /// Decides the oldest request still waiting, as `pxscript approve` or `reject` would (nil: none waits).
    private func decideOldest(approve: Bool) async throws -> (id: String, text: String, took: Bool, outcome: String)? {
        guard let outreach else { return nil }
        let store = try StateStore(path: statePath)
        defer { try? store.close() }
        // Ties (asked in one pass) broken by the text, which names the message: ids are random.
        guard let request = try store.approvals.list(in: [.pending]).min(by: { ($0.createdAt, $0.content) < ($1.createdAt, $1.content) }) else { return nil }
        let api = outreach.api
        let desk = ApprovalDesk(api: { api }, config: ConfigFile(), clock: outreach.clock, logger: logger, environment: [:])
        let took: Bool
        let outcome: String
        if approve {
            let approved = try await desk.approve(request.id, in: store)
            took = if case .notWaiting = approved { false } else { true }
            outcome = "\(approved)"
        } else {
            took = try await desk.reject(request.id, in: store, reason: "simulated")
            outcome = took ? "rejected" : "no longer waiting"
        }
        // A decision is a change the daemon's next poll acts on (an approved request it sends).
        clock.noteChange()
        return (request.id, request.text, took, outcome)
    }

    private mutating func setPaused(_ pause: Bool) throws {
        let store = try StateStore(path: statePath)
        defer { try? store.close() }
        try store.settings.setPaused(pause, at: skew.studioNow())
        paused = pause
        if pause {
            pauses.append((skew.studioNow(), nil))
        } else if let last = pauses.indices.last {
            pauses[last].to = skew.studioNow()
        }
        // A change outside the studio: the virtual clock, which skips polls while the studio is unchanged,
        // lets the next poll instant come (in real time, the daemon's next poll sees it).
        clock.noteChange()
        note(pause ? "sends paused" : "sends resumed")
    }

    private mutating func note(_ text: String) {
        let minutes = Int(saturating: clock.now().timeIntervalSince(plan.start) / 60) + 600
        trace.append(String(format: "%+4dd %02d:%02d  %@", minutes / 1_440, minutes % 1_440 / 60, minutes % 60, text))
        logger.info("simulation: \(trace.last ?? text)")
    }
}
