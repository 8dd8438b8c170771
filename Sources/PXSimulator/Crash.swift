import Foundation
import GRDB
import PixiesetKit
import PXState
import PXRuntime
import PXTest
import StudioSandbox
import Synchronization

/// A crash of the whole daemon at a seeded point of its talk with the studio (docs/simulation.md
/// "Crashes"): the k-th request from when it is armed, or the k-th send, caught before the studio
/// serves it or after the studio has written it and before the answer comes back. What a crashed
/// process leaves is what its state files held at that instant: the state's committed
/// transactions (taken with SQLite's backup API, as another process would read them) and the
/// outbox log's bytes. Everything the daemon did after it (records, folds, the lease let go) is
/// thrown away when the state is put back, and nothing it asks of the studio afterwards is served.
final class CrashPoint: Sendable {
    struct Plan: Sendable, Equatable, CustomStringConvertible {
        /// The k-th request (or send) from when it is armed, counting from 1.
        var request: Int
        /// Counts only sends (POST of a message), where exactly-once is at stake.
        var sendsOnly: Bool
        /// The studio writes the request before the crash (its answer is lost with the process).
        var served: Bool

        var description: String {
            "\(served ? "after" : "before") the studio serves \(sendsOnly ? "send" : "request") \(request) from now"
        }
    }

    private struct State {
        var armed: Plan?
        var seen = 0
        /// What crashed, once it did: the request's method and path.
        var crashed: String?
        /// Why the crash's state could not be kept (the restart would then read what the dead process wrote on).
        var lost: SimulationError?
        var onCrash: (@Sendable () -> Void)?
        /// Whether the crash's state was kept; requests of the dead process wait for it.
        var kept = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    let statePath: String
    let snapshotPath: String
    private let state = Mutex(State())

    init(statePath: String) {
        self.statePath = statePath
        snapshotPath = statePath + ".crashed"
    }

    /// The next crash (none happened since the last `restore`).
    func arm(_ plan: Plan) {
        state.withLock { state in
            state.armed = plan
            state.seen = 0
        }
    }

    /// How the daemon now running is stopped once it crashed (its task cancelled).
    func stops(_ stop: @escaping @Sendable () -> Void) { state.withLock { $0.onCrash = stop } }

    /// Whether a crash happened since it was armed, and at which request.
    var crashed: String? { state.withLock { $0.crashed } }

    /// Before a request reaches the studio: whether the process is gone (never served), crashes
    /// now (`served` says whether the studio writes it first), or goes on.
    enum Turn { case dead, crash(served: Bool), go }

    func turn(method: String, target: String) -> Turn {
        state.withLock { state in
            if state.crashed != nil { return .dead }
            guard let plan = state.armed else { return .go }
            let isSend = method == "POST" && target.contains("/conversation_messages")
            guard !plan.sendsOnly || isSend else { return .go }
            state.seen += 1
            guard state.seen >= plan.request else { return .go }
            state.crashed = "\(method) \(target.split(separator: "?").first.map(String.init) ?? target)"
            return .crash(served: plan.served)
        }
    }

    /// The instant of the crash: what the state files hold now is all the next start finds.
    func crashNow() {
        do {
            try takeSnapshot()
        } catch {
            state.withLock { $0.lost = error as? SimulationError ?? .snapshot("\(error)") }
        }
        let (stop, waiting) = state.withLock { state in
            state.kept = true
            defer { state.waiting = [] }
            return (state.onCrash, state.waiting)
        }
        for waiter in waiting { waiter.resume() }
        stop?()
    }

    /// Returns once the crash's state is kept. A request of the dead process answered before that
    /// would let it write what follows from its failure (a conversation it could not read, a try
    /// used up) into the state the next start finds: nothing after a crash may reach it.
    func afterSnapshot() async {
        await withCheckedContinuation { continuation in
            let kept = state.withLock { state in
                if !state.kept { state.waiting.append(continuation) }
                return state.kept
            }
            if kept { continuation.resume() }
        }
    }

    /// The state's two files as they were at one instant. The daemon may be writing while this
    /// runs (its other handlers go on), and a fold commits to the database and then empties the
    /// log: a copy of each taken at a different moment can hold a send in neither. So the log is
    /// read before and after the database's backup, until both reads agree: the database was
    /// copied at an instant inside a window where the log did not change, which is that instant's
    /// state. (Found so: a reply whose fold fell between the two copies was answered as a
    /// client's message by the next start, a loop that only the copy made.)
    private func takeSnapshot() throws {
        for _ in 0..<1_000 {
            for file in [snapshotPath, snapshotPath + "-outbox"] { unlink(file) }
            let before = FileManager.default.contents(atPath: statePath + "-outbox")
            var readOnly = Configuration()
            readOnly.readonly = true
            let live = try DatabaseQueue(path: statePath, configuration: readOnly)
            let copy = try DatabaseQueue(path: snapshotPath)
            try live.backup(to: copy)
            try live.close()
            try copy.close()
            let after = FileManager.default.contents(atPath: statePath + "-outbox")
            guard before == after else { continue }
            if let log = after { try log.write(to: URL(fileURLWithPath: snapshotPath + "-outbox")) }
            return
        }
        throw SimulationError.snapshot("the outbox log never held still")
    }

    /// After the crashed daemon's task ended: its state files become what they were at the crash.
    func restore() throws {
        guard crashed != nil else { return }
        if let lost = state.withLock({ $0.lost }) { throw lost }
        for file in [statePath, statePath + "-wal", statePath + "-shm", statePath + "-outbox"] { unlink(file) }
        try FileManager.default.copyItem(atPath: snapshotPath, toPath: statePath)
        if FileManager.default.fileExists(atPath: snapshotPath + "-outbox") {
            try FileManager.default.copyItem(atPath: snapshotPath + "-outbox", toPath: statePath + "-outbox")
        }
        for file in [snapshotPath, snapshotPath + "-outbox"] { unlink(file) }
        state.withLock { $0 = State(onCrash: $0.onCrash) }
    }
}

enum SimulationError: Error, CustomStringConvertible {
    case snapshot(String)

    var description: String {
        switch self {
        case .snapshot(let why): "the crash's state could not be kept: \(why)"
        }
    }
}

/// Answers that take their time: a share of the daemon's requests answered after a wait that
/// passes on the virtual clock (the studio's clock and the daemon's move on while it waits), as
/// a slow studio or network would. Drawn from the seed; off until a step turns it on.
final class SlowAnswers: Sendable {
    private struct State {
        var rate = 0.0
        var longest = 0.0
        /// Requests seen so far, by method and target: the draw is a request's own, not its turn.
        var seen: [String: UInt64] = [:]
    }

    private let clock: VirtualClock
    private let seed: UInt64
    private let state = Mutex(State())

    init(clock: VirtualClock, seed: UInt64) {
        self.clock = clock
        self.seed = seed
    }

    /// From now on, `rate` of the requests wait up to `longest` seconds (0: none).
    func set(rate: Double, longest: Double) { state.withLock { ($0.rate, $0.longest) = (rate, longest) } }

    /// Before a request is answered: maybe a wait, on the shared clock. Which request waits, and how
    /// long, follows from the seed and the request (its method, target and how many such came
    /// before), not from the order concurrent requests happen to arrive in.
    func lag(method: String, target: String) {
        let seconds = state.withLock { state -> Double in
            guard state.rate > 0 else { return 0 }
            let name = method + " " + target
            let count = state.seen[name, default: 0]
            state.seen[name] = count + 1
            var random = SeededRandom(seed: seed ^ UInt64(truncatingIfNeeded: Self.stableHash(name)) ^ (count &* 0x9E37_79B9_7F4A_7C15))
            guard random.unit() < state.rate else { return 0 }
            return 1 + random.unit() * max(0, state.longest - 1)
        }
        if seconds > 0 { clock.pass(seconds) }
    }

    /// FNV-1a: the same for the same text in every process (Swift's `hashValue` is seeded per process).
    static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}

/// The sandbox as a daemon that may crash sees it: each request first asks the crash point, and
/// may be slow.
struct CrashingStudio: InProcessStudio {
    let inner: SandboxStudio
    let crash: CrashPoint
    var slow: SlowAnswers? = nil

    var origin: String { inner.origin }

    func answer(
        method: String, target: String, headers: [(name: String, value: String)], body: [UInt8]?
    ) async -> (status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        switch crash.turn(method: method, target: target) {
        case .go:
            slow?.lag(method: method, target: target)
            return await inner.answer(method: method, target: target, headers: headers, body: body)
        case .crash(let served):
            if served { _ = await inner.answer(method: method, target: target, headers: headers, body: body) }
            crash.crashNow()
            return Self.gone
        case .dead:
            await crash.afterSnapshot()
            return Self.gone
        }
    }

    /// What a dead process gets: a refusal no client retries or waits on (a retry's pause would
    /// move the shared clock), so it stops at once; what it writes afterwards is thrown away.
    static let gone: (status: Int, headers: [(name: String, value: String)], body: [UInt8]) = (
        400, [("Content-Type", "application/json")], Array(#"{"error":{"code":"crashed","message":"the process is gone"}}"#.utf8)
    )
}
