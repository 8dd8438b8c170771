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
    }

    func run() async throws {
        var failed = 0, differed = 0, studioDays = 0
        let began = ContinuousClock.now
        for number in 0..<seeds {
            let options = SimulationOptions(seed: seed &+ UInt64(number), days: days, conversations: conversations)
            let result = try await Simulation.run(options)
            studioDays += days
            var line = "seed \(result.seed): \(result.clientMessages) client messages, \(result.replies) replies, \(result.parked) parked, \(result.approvedSent) of \(result.asked) asking approved and sent, \(result.nights) nights, \(result.restarts) restarts (\(result.crashes) after a crash), quirks [\(result.quirks)]"
            // A second run is checked as the first is: what only one of two runs does is found too.
            var broken = result.violations.isEmpty ? nil : (result: result, second: false)
            if twice {
                let again = try await Simulation.run(options)
                if broken == nil, !again.violations.isEmpty { broken = (again, true) }
                if again.historyHash != result.historyHash {
                    differed += 1
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
            if let broken {
                failed += 1
                print("FAIL " + line)
                if broken.second { print("     (the second run broke:)") }
                for violation in broken.result.violations.prefix(10) { print("     \(violation)") }
                print("     the last steps:")
                for step in broken.result.trace.suffix(12) { print("       \(step)") }
                print("     play it again: scripts/simulate --days \(days) --seeds 1 --seed \(result.seed)")
            } else {
                print("ok   " + line)
            }
        }
        let seconds = (ContinuousClock.now - began).inSeconds
        print(String(format: "%d seeds, %d studio-days in %.1f s: %d failed", seeds, studioDays, seconds, failed) + (twice ? ", \(differed) histories differed on a second run" : ""))
        if failed > 0 { throw ExitCode(1) }
    }
}

