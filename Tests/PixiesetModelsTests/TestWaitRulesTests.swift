import Foundation
import Testing

/// A test that waits for an event with its own short real-time bound fails a working build on a
/// loaded CI machine (a clean clone's CI did so on a 20 s wait, then on another). Every wait in the
/// tests goes through `Patience` (Tests/TestSupport/Patience.swift), bounded only against a hang;
/// this reads the tests and refuses a deadline or a counted polling loop of their own, and an
/// expectation on how long something took (CI failed on "stopped within 10 s" under load).
@Suite("source rules: tests wait through Patience, never on a short real-time bound of their own")
struct TestWaitRulesTests {
    static let tests = SourceRulesTests.sources.deletingLastPathComponent().appendingPathComponent("Tests")

    /// A deadline taken from the clock, or a count of looks kept by hand.
    /// Also an expectation on how long something took in real time (a loaded machine takes longer).
    static let ownBound = try! NSRegularExpression(pattern: #"""
        Date\(\)\.addingTimeInterval\(|ContinuousClock\.now\.advanced\(|, waited < |#expect\(Date\(\)\.timeIntervalSince\(
        """#.trimmingCharacters(in: .whitespacesAndNewlines))
    /// A loop of a fixed number of tries; a pause in it (on its line or the next three) makes it a wait.
    static let countedLoop = try! NSRegularExpression(pattern: #"for _ in 0\.\.<[\d_]+"#)
    static let pause = try! NSRegularExpression(pattern: #"Task\.sleep|\.wait\(timeout"#)

    static func findings(in text: String, file: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func has(_ pattern: NSRegularExpression, _ code: String) -> Bool {
            !code.trimmingCharacters(in: .whitespaces).hasPrefix("//") && pattern.firstMatch(in: code, range: NSRange(code.startIndex..., in: code)) != nil
        }
        return lines.indices.compactMap { number in
            let code = lines[number]
            let waits = has(countedLoop, code) && lines[number..<min(lines.count, number + 4)].contains { has(pause, $0) }
            return has(ownBound, code) || waits ? "\(file):\(number + 1)" : nil
        }
    }

    @Test("no deadline or counted polling loop in a test: waits go through Patience")
    func waitsGoThroughPatience() throws {
        let allowed: Set<String> = ["TestSupport/Patience.swift", "TestSupport/ResponsivenessProbe.swift", "PixiesetModelsTests/TestWaitRulesTests.swift"]
        let files = try #require(FileManager.default.enumerator(atPath: Self.tests.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") && !allowed.contains($0) }
        #expect(files.count > 50)
        var findings: [String] = []
        for file in files {
            findings += Self.findings(in: try String(contentsOf: Self.tests.appendingPathComponent(file), encoding: .utf8), file: file)
        }
        #expect(findings.isEmpty, "wait with Patience.wait (TestSupport), not a bound of the test's own:\n\(findings.joined(separator: "\n"))")
    }

    @Test("the rule knows the shapes it refuses")
    func knowsShapes() {
        for bad in ["let deadline = Date().addingTimeInterval(seconds)", "for _ in 0..<50 where !gone { try await Task.sleep(for: .milliseconds(100)) }",
                    "while finished == 0, waited < 300 {", "let end = ContinuousClock.now.advanced(by: .seconds(5))",
                    "#expect(Date().timeIntervalSince(signalled) < 10)",
                    "for _ in 0..<50 where !gone {\n    gone = kill(child, 0) != 0\n    if !gone { try await Task.sleep(for: .milliseconds(100)) }\n}"] {
            #expect(!Self.findings(in: bad, file: "x").isEmpty, "\(bad)")
        }
        for good in ["#expect(await Patience.wait { done })", "for _ in 0..<3 where found.isEmpty { found = try await poller.poll(now: now()).events.map(\\.id) }", "// for _ in 0..<50 where x { sleep }"] {
            #expect(Self.findings(in: good, file: "x").isEmpty, "\(good)")
        }
    }
}
