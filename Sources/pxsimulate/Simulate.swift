import ArgumentParser
import Foundation
import PixiesetModels
import PXSimulator

/// `scripts/simulate`: the seeded simulator (docs/simulation.md).
@main
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pxsimulate",
        abstract: "Run the watch daemon against a simulated studio with faults, restarts, crashes and pauses drawn from seeds; check every history.")

    @Option(help: "Studio days of activity per seed.") var days = 10
    @Option(help: "How many seeds, counting up from --seed.") var seeds = 20
    @Option(help: "The first seed (one failure names its seed: --seeds 1 --seed S plays it again).") var seed: UInt64 = 1
    @Option(help: "Conversations in the studio.") var conversations = 8
    @Flag(help: "Play each seed twice and compare the histories.") var twice = false

    func validate() throws {
        // Ranges before any arithmetic or range is built from them: a negative count would trap.
        guard (1...3_650).contains(days) else { throw ValidationError("--days takes 1 to 3650 studio days") }
        guard (1...100_000).contains(seeds) else { throw ValidationError("--seeds takes 1 to 100000") }
        guard (1...1_000).contains(conversations) else { throw ValidationError("--conversations takes 1 to 1000") }
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs takes 1 to 64") }
    }

    @Option(help: "Seeds played at once (each on its own studio, clock and states; the report stays in seed order).") var jobs = 1

    /// One seed played (twice with `--twice`): its report's lines, and whether it failed or its histories differed.
    struct Played: Sendable {
        var lines: [String] = []
        var failed = false
        var differed = false
    }

    func run() async throws {
        var failed = 0, differed = 0
        let began = ContinuousClock.now
        let (days, conversations, twice, first) = (days, conversations, twice, seed)
        @Sendable func play(_ number: Int) async throws -> Played {
            try await Self.play(SimulationOptions(seed: first &+ UInt64(number), days: days, conversations: conversations), twice: twice)
        }
        try await withThrowingTaskGroup(of: (Int, Played).self) { group in
            var next = 0, printed = 0
            var done: [Int: Played] = [:]
            // At most `jobs` seeds under way; each report printed as soon as those before it are.
            while next < min(jobs, seeds) {
                let number = next
                group.addTask { (number, try await play(number)) }
                next += 1
            }
            while let (number, played) = try await group.next() {
                done[number] = played
                while let ready = done.removeValue(forKey: printed) {
                    for line in ready.lines { print(line) }
                    if ready.failed { failed += 1 }
                    if ready.differed { differed += 1 }
                    printed += 1
                }
                if next < seeds {
                    let number = next
                    group.addTask { (number, try await play(number)) }
                    next += 1
                }
            }
        }
        let seconds = (ContinuousClock.now - began).inSeconds
        print(String(format: "%d seeds, %d studio-days in %.1f s: %d failed", seeds, seeds * days, seconds, failed) + (twice ? ", \(differed) histories differed on a second run" : ""))
        if failed > 0 { throw ExitCode(1) }
    }

    static func play(_ options: SimulationOptions, twice: Bool) async throws -> Played {
        var played = Played()
        let result = try await Simulation.run(options)
        var line = "seed \(result.seed): \(result.clientMessages) client messages, \(result.replies) replies, \(result.parked) parked, \(result.approvedSent) of \(result.asked) asking approved and sent, \(result.nights) nights, \(result.restarts) restarts (\(result.crashes) after a crash), \(result.maxSends < 100 ? "cap \(result.maxSends) a day, " : "")quirks [\(result.quirks)]"
        // A second run is checked as the first is: what only one of two runs does is found too.
        var broken = result.violations.isEmpty ? nil : (result: result, second: false)
        if twice {
            let again = try await Simulation.run(options)
            if broken == nil, !again.violations.isEmpty { broken = (again, true) }
            if again.historyHash != result.historyHash {
                played.differed = true
                line += "; a second run's history differs (\(result.historyHash) vs \(again.historyHash))"
                if let first = zip(result.history, again.history).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
                    line += "\n     first difference, message \(first.offset + 1): \(first.element.0) vs \(first.element.1)"
                } else {
                    line += "\n     one history is longer: \(result.history.count) vs \(again.history.count) messages"
                }
            } else {
                line += "; same history twice (\(result.historyHash))"
            }
        }
        guard let broken else {
            played.lines = ["ok   " + line]
            return played
        }
        played.failed = true
        played.lines.append("FAIL " + line)
        if broken.second { played.lines.append("     (the second run broke:)") }
        for violation in broken.result.violations.prefix(10) { played.lines.append("     \(violation)") }
        played.lines.append("     the last steps:")
        for step in broken.result.trace.suffix(12) { played.lines.append("       \(step)") }
        played.lines.append("     play it again: scripts/simulate --days \(options.days) --seeds 1 --seed \(result.seed)")
        return played
    }
}
