import Foundation
import StudioSandbox

/// What one simulated run is made of, all drawn from its seed: the studio's quirks and clock
/// skew, and a timeline of what happens (clients writing, the photographer answering by hand,
/// faults coming and going, the daemon restarted or crashing, sends paused and resumed).
public struct SimulationOptions: Sendable {
    public var seed: UInt64
    /// Studio days of activity, after which faults stop and the studio is left quiet to see every
    /// due message answered.
    public var days: Int
    public var conversations: Int

    public init(seed: UInt64, days: Int = 10, conversations: Int = 8) {
        self.seed = seed
        self.days = days
        self.conversations = conversations
    }
}

/// One thing that happens in the studio or to the daemon.
enum SimulationStep: Sendable, Equatable {
    /// A client writes in conversation number `conversation`; with `failing`, a message the
    /// script's handler fails on after its reply; with `asking`, one whose reply waits for the
    /// photographer's approval.
    case clientWrites(conversation: Int, failing: Bool = false, asking: Bool = false)
    /// The photographer decides the oldest request still waiting (`pxscript approve` or `reject`,
    /// beside the running daemon).
    case decide(approve: Bool)
    /// The photographer answers by hand in the studio's web app.
    case studioWrites(conversation: Int)
    /// The studio's faults change (`--faults` form; "" for none).
    case faults(String)
    /// The daemon stops and starts again from its states, between two passes.
    case restart
    /// The daemon crashes at a point of its talk with the studio (`CrashPoint`) and starts again
    /// from what its state files held then.
    case crash(CrashPoint.Plan)
    /// Two `pxscript run outreach.lua -- o<round>` at once on the daemon's state: every conversation
    /// gets the round's note once (`key`), and the daemon answers none of them.
    /// With `deciding`, the photographer approves the oldest request still waiting meanwhile (`approve`,
    /// a third process on the state).
    case outreach(round: Int, deciding: Bool = false)
    /// `pxscript pause` / `pxscript resume`.
    case pause(Bool)
    /// The studio's clock steps by this many seconds (NTP): the skew changes.
    case clockStep(Double)
    /// From now on this share of the daemon's requests is answered after a wait of up to `longest`
    /// seconds (0: none): a slow studio or network.
    case slowAnswers(rate: Double, longest: Double)
}

extension SeededRandom {
    mutating func chance(_ probability: Double) -> Bool { unit() < probability }
}

/// The seed's whole run, drawn before it starts: so two runs of a seed do the same things.
struct SimulationPlan: Sendable {
    /// The studio's quirks (`--quirks` form).
    let quirks: String
    /// Seconds the studio's clock is ahead of this machine's (negative: behind).
    let skew: Double
    /// (seconds after the start, step), in order.
    let timeline: [(at: Double, step: SimulationStep)]
    /// When the run starts (this machine's clock): a week before a change of daylight saving time
    /// in the script's zone (spring forward or fall back), so the nightly schedules meet it.
    let start: Date
    /// The daemon's send cap a day (`--max-sends`): mostly far above the studio's traffic (what stops a
    /// runaway loop); now and then within reach of a busy day, so sends wait for the next day.
    let maxSends: Int

    /// The starts a seed draws from: three days before Toronto springs forward (2026-03-08, 2:00 →
    /// 3:00) or falls back (2026-11-01, 2:00 → 1:00), at 10:00 UTC.
    static let starts = [Date(timeIntervalSince1970: 1_772_704_800), Date(timeIntervalSince1970: 1_793_268_000)]

    /// Quirks that hide nothing forever: each the daemon must live with, every message still answered.
    /// (`get_404`, `capped_messages` and `hostile_details` lose messages by design: never answerable.)
    static let quirkChoices = [
        "mark_read_on_get", "unordered", "plain_timestamps", "csrf", "nested_errors", "studio_as_client", "post_empty_body",
        "coarse_timestamps", "no_last_page", "stale_last_message_at", "future_timestamp", "eventual_consistency=3s",
    ]

    /// A plan written out (tests of one situation).
    init(quirks: String = "", skew: Double = 0, timeline: [(at: Double, step: SimulationStep)], start: Date = Self.starts[0], maxSends: Int = 500) {
        self.maxSends = maxSends
        self.quirks = quirks
        self.skew = skew
        self.timeline = timeline
        self.start = start
    }

    init(_ options: SimulationOptions) {
        var random = SeededRandom(seed: options.seed)
        quirks = Self.quirkChoices.filter { _ in random.chance(0.25) }.joined(separator: ",")
        skew = Double(Int(random.next() % 14_401) - 7_200)
        var timeline: [(Double, SimulationStep)] = []
        var at = 0.0
        var outreach = 0
        let end = Double(options.days) * 86_400
        while true {
            // About one thing an hour, at any minute.
            at += 60 * Double(1 + random.next() % 120)
            guard at < end else { break }
            let roll = random.next() % 100
            let conversation = Int(random.next() % UInt64(max(1, options.conversations)))
            let step: SimulationStep
            switch roll {
            case 0..<50: step = .clientWrites(conversation: conversation)
            case 50..<53: step = .clientWrites(conversation: conversation, failing: true)
            case 53..<57: step = .clientWrites(conversation: conversation, asking: true)
            case 57..<60: step = .decide(approve: random.chance(0.7))
            case 60..<66: step = .studioWrites(conversation: conversation)
            case 66..<76: step = .faults(Self.faults(&random))
            case 76..<78:
                step = random.chance(0.3) ? .slowAnswers(rate: 0, longest: 0)
                    : .slowAnswers(rate: Double(1 + random.next() % 15) / 100, longest: Double(2 + random.next() % 29))
            case 78..<84: step = .restart
            case 84..<90:
                // Mostly at a send, where exactly-once is at stake; sometimes at any request (a read, a poll).
                let sendsOnly = random.chance(0.7)
                step = .crash(.init(request: Int(1 + random.next() % (sendsOnly ? 2 : 20)), sendsOnly: sendsOnly, served: random.chance(0.5)))
            case 90..<93: step = .pause(random.chance(0.5))
            case 93..<96:
                outreach += 1
                step = .outreach(round: outreach, deciding: random.chance(0.5))
            default: step = .clockStep(Double(Int(random.next() % 241) - 120))
            }
            timeline.append((at, step))
            // Mostly the photographer decides within minutes of being asked (else the client's next
            // message usually withdraws the request first).
            if case .clientWrites(_, _, asking: true) = step, random.chance(0.7) {
                at += 60 * Double(1 + random.next() % 20)
                if at < end { timeline.append((at, .decide(approve: random.chance(0.8)))) }
            }
        }
        self.timeline = timeline
        start = Self.starts[Int(random.next() % UInt64(Self.starts.count))]
        maxSends = random.chance(0.3) ? Int(25 + random.next() % 16) : 500
    }

    /// Faults at rates the retries (eight tries) absorb most of the time; now and then none.
    static func faults(_ random: inout SeededRandom) -> String {
        guard random.chance(0.8) else { return "" }
        // (Slow answers are a step of their own: the sandbox's own wait out in real time, which a simulated
        // week cannot afford; the simulator's pass on the virtual clock.)
        let rates = (0..<4).map { _ in Double(random.next() % 15) / 100 }
        return String(
            format: "error=%.2f,throttle=%.2f,error_after_commit=%.2f,garbled=%.2f,retry_after=1,seed=%llu",
            rates[0], rates[1], rates[2], rates[3], random.next() % 1_000_000)
    }
}
