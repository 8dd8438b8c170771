import ArgumentParser
import Foundation
import PXRuntime
import PXTest

/// `pxscript test [PATH…]`: runs scenario files on a sandbox studio and a virtual clock.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run scenario files (*_test.lua): what your scripts send, checked on a test studio and a virtual clock.",
        discussion: """
            Each scenario gets a fresh studio (empty, or the demo one with { demo = true }) and a clock that \
            moves only when told, so days pass in a moment. Nothing reaches your real studio. \
            Exit 0 when every scenario passes, 1 when one fails, 65 when a file does not compile. See docs/testing.md.
              pxscript test                         (the *_test.lua here and under tests/)
              pxscript test examples/ --filter nudge
              pxscript test --chaos 20              (each scenario 20 times, with faults and restarts)
            """
    )

    @Argument(help: "Scenario files, or folders of them (default: this folder).") var paths: [String] = []
    @Option(help: "Only scenarios whose name contains this.") var filter: String?
    @Option(help: "text (a line per scenario), tap or junit.") var format: String = "text"
    @Option(name: .customLong("tz"), help: "The zone of times without one (default TZ, or the machine's).") var tz: String?
    @Option(help: "Play each scenario N times on a studio that fails now and then, restarting the daemon at moments drawn from a seed.")
    var chaos: Int?
    @Option(help: "With --chaos: the seed of the first play (a failure names the seed to play it again with --chaos 1).") var seed: UInt64?

    func validate() throws {
        guard TestReport.Format(rawValue: format) != nil else { throw ValidationError("--format is text, tap or junit") }
        if let tz, TimeZone(identifier: tz) == nil { throw ValidationError("unknown time zone '\(tz)' (use a name like America/Toronto)") }
        if let chaos, !(1...10_000).contains(chaos) { throw ValidationError("--chaos takes a number of plays from 1 to 10000") }
        if seed != nil, chaos == nil { throw ValidationError("--seed goes with --chaos (the seed of its first play)") }
    }

    func run() async throws {
        try await withExitCodes {
            let format = TestReport.Format(rawValue: format) ?? .text
            let environment = ProcessInfo.processInfo.environment
            let zoneName = tz ?? environment["TZ"].flatMap { $0.isEmpty ? nil : $0 }
            var options = ScenarioOptions(zone: zoneName.flatMap(TimeZone.init(identifier:)) ?? .current)
            // One first seed for every scenario, said at the end, so a run that passed can be played again too.
            let firstSeed = seed ?? UInt64.random(in: 1...999_999_999)
            options.chaos = chaos.map { ChaosOptions(runs: $0, seed: firstSeed) }
            let runner = ScenarioRunner(options: options)
            let files: [String]
            do {
                files = try ScenarioRunner.files(in: paths)
            } catch let error as ScenarioFileError {
                throw Failure(error.description, code: Exit.missingFile)
            }
            guard !files.isEmpty else { throw Failure("no scenario files (*_test.lua) in \(paths.isEmpty ? "." : paths.joined(separator: ", "))", code: Exit.missingFile) }
            var outcomes: [ScenarioOutcome] = [], broken: [TestReport.Broken] = []
            for file in files {
                do {
                    let found = try await runner.run(file: file, filter: filter)
                    // A line per scenario as it ends, for text; the other formats are one document.
                    if format == .text { for outcome in found { printNow(TestReport.line(outcome)) } }
                    outcomes += found
                } catch let error as ScenarioFileError {
                    let file = TestReport.Broken(file: file, error: error.description)
                    broken.append(file)
                    if format == .text { printNow(TestReport.line(file)) }
                }
            }
            if format == .text {
                printNow(TestReport.summary(outcomes, broken: broken))
                if let chaos {
                    printNow("chaos: each scenario played \(chaos) time\(chaos == 1 ? "" : "s"), seeds \(firstSeed) to \(firstSeed &+ UInt64(chaos - 1)) (--chaos \(chaos) --seed \(firstSeed) plays them again)")
                }
            } else {
                printNow(TestReport.render(outcomes, broken: broken, format: format))
            }
            if !broken.isEmpty { throw ExitCode(Exit.compile) }
            if outcomes.contains(where: { !$0.passed }) { throw ExitCode(Exit.scriptError) }
        }
    }
}
