import Foundation
import Testing

/// `pxscript test --chaos N [--seed S]`: each scenario played N times on a studio that fails now and
/// then, with the daemon restarted at moments drawn from a seed. The expectations do not change.
@Suite("pxscript test --chaos")
struct ChaosTests {
    /// The blocks of docs/testing.md's "Chaos" section, by the name on their first line: a welcome
    /// remembered in a Lua table (gone at a restart), its scenario, and the welcome kept by `px.once`.
    static func documented() throws -> (forgetful: String, scenario: String, steady: String) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/testing.md"), encoding: .utf8)
        let blocks = text.components(separatedBy: "```lua\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        func block(_ firstLine: String) throws -> String { try #require(blocks.first { $0.hasPrefix(firstLine + "\n") }, "\(firstLine)") }
        return (
            try block("-- welcome.lua (forgets at a restart)"), try block("-- welcome_test.lua"),
            try block("-- welcome.lua (remembers in the state)")
        )
    }

    @Test("docs/testing.md's script that keeps its memory in Lua globals passes once and fails under chaos, naming the seed, its restarts and the command to play it again")
    func globalsCaught() async throws {
        let docs = try Self.documented()
        let folder = try RunFolder(["welcome.lua": docs.forgetful, "welcome_test.lua": docs.scenario])
        defer { folder.remove() }
        let plain = try await pxscript(["test", folder.url.path])
        #expect(plain.status == 0, "\(plain.stdout)\(plain.stderr)")

        let chaotic = try await pxscript(["test", folder.url.path, "--chaos", "20", "--seed", "7"])
        #expect(chaotic.status == 1, "\(chaotic.stdout)\(chaotic.stderr)")
        let text = chaotic.stdout
        #expect(text.contains("FAIL one welcome per client"), "\(text)")
        #expect(text.contains("), seed ") && text.contains("the daemon restarted at 2026-"), "\(text)")
        let seed = try #require(text.firstMatch(of: /--chaos 1 --seed (\d+)/)?.1, "\(text)")
        // The file as it was named (here, by its folder's full path), so the command works from where the run was started.
        #expect(text.contains("play it again: pxscript test \(folder.url.path)/welcome_test.lua --filter \"one welcome per client\" --chaos 1 --seed \(seed)"), "\(text)")
        #expect(text.contains("under chaos (play ") && text.contains(" of 20), seed "), "\(text)")
        #expect(text.contains("chaos: each scenario played 20 times, seeds 7 to 26 (--chaos 20 --seed 7 plays them again)"), "\(text)")

        // The seed named plays the failure again, alone.
        let again = try await pxscript(["test", folder.url.path, "--chaos", "1", "--seed", String(seed)])
        #expect(again.status == 1 && again.stdout.contains("under chaos (play 1 of 1), seed \(seed)"), "\(again.stdout)")
    }

    @Test("docs/testing.md's script with px.once passes every play; so do the examples")
    func steadyPasses() async throws {
        let docs = try Self.documented()
        let folder = try RunFolder(["welcome.lua": docs.steady, "welcome_test.lua": docs.scenario])
        defer { folder.remove() }
        let chaotic = try await pxscript(["test", folder.url.path, "--chaos", "20", "--seed", "7"])
        #expect(chaotic.status == 0, "\(chaotic.stdout)\(chaotic.stderr)")
        let examples = try await pxscript(["test", TestCommandTests.examples, "--chaos", "5", "--seed", "1"])
        #expect(examples.status == 0, "\(examples.stdout)\(examples.stderr)")
    }

    @Test("--chaos and --seed are checked")
    func arguments() async throws {
        let zero = try await pxscript(["test", "--chaos", "0"])
        #expect(zero.status == 64 && zero.stderr.contains("--chaos takes a number of plays from 1 to 10000"), "\(zero.stderr)")
        let lone = try await pxscript(["test", "--seed", "3"])
        #expect(lone.status == 64 && lone.stderr.contains("--seed goes with --chaos"), "\(lone.stderr)")
    }
}
