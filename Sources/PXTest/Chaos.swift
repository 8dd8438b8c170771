import Foundation
import StudioSandbox

/// `pxscript test --chaos N [--seed S]`: each scenario played N times on a studio that fails now
/// and then (errors, throttling, answers lost after a send was stored, answers cut short) and a
/// daemon restarted at moments drawn from a seed. What a script keeps in Lua globals is gone after a
/// restart, as it is after a reboot: a script that needs `px.once` or `px.store` fails here, not with
/// a client. The expectations do not change: exactly-once sends and retries absorb the faults.
public struct ChaosOptions: Sendable {
    /// Plays of each scenario.
    public var runs: Int
    /// The seed of the first play (the next ones count up from it); nil: drawn at random.
    public var seed: UInt64?

    public init(runs: Int, seed: UInt64? = nil) {
        self.runs = runs
        self.seed = seed
    }
}

/// One chaotic play of a scenario: its seed, its draws, and the restarts it made.
final class ChaosRun: @unchecked Sendable {
    // @unchecked: used by the scenario's world (an actor) only.
    let seed: UInt64
    private var random: SeededRandom
    /// Restarts at most in one play.
    static let maxRestarts = 20
    /// When the daemon was restarted, as the scenario writes times.
    private(set) var restarts: [String] = []

    /// The studio's faults of this play (`--faults` form): each kind at a rate drawn from the seed,
    /// none high enough that the retries (eight tries) are likely to run out.
    private(set) var faults: String

    init(seed: UInt64) {
        self.seed = seed
        random = SeededRandom(seed: seed)
        faults = ""
        let error = draw(upTo: 8), throttle = draw(upTo: 4), lost = draw(upTo: 8), cut = draw(upTo: 4)
        faults = "error=0.0\(error),throttle=0.0\(throttle),error_after_commit=0.0\(lost),garbled=0.0\(cut),retry_after=1,seed=\(seed)"
    }

    /// Where, within an advance of `seconds`, the daemon is restarted (nil: not in this one).
    /// About one advance in three; never at its very start or end.
    func restartPoint(within seconds: Double) -> Double? {
        // At most `maxRestarts` a play: a scenario of thousands of steps does not restart (and hold) thousands of daemons.
        guard seconds > 1, restarts.count < Self.maxRestarts, draw(upTo: 3) == 0 else { return nil }
        return 1 + Double(draw(upTo: 1_000_000)) / 1_000_000 * (seconds - 1)
    }

    func noteRestart(at time: String) { restarts.append(time) }

    /// A number in 0..<bound (the same seed, the same draws).
    private func draw(upTo bound: UInt64) -> UInt64 { random.next() % bound }
}
