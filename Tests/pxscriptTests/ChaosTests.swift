import Foundation
import Testing

/// `pxscript test --chaos N [--seed S]`: each scenario played N times on a studio that fails now and
/// then, with the daemon restarted at moments drawn from a seed. The expectations do not change.
@Suite("pxscript test --chaos")
struct ChaosTests {
    /// Welcomes a conversation once, remembering it in a Lua table: gone at a restart.
    static let forgetful = """
        local welcomed = {}
        px.on("message", function(event)
          if welcomed[event.conversation.id] then return end
          welcomed[event.conversation.id] = true
          event:reply("Welcome, " .. event.client.name .. "!")
        end)
        """

    /// The same, remembering it in the state (`px.once`): kept through restarts.
    static let steady = """
        px.on("message", function(event)
          if not px.once("welcome:" .. event.conversation.id) then return end
          event:reply("Welcome, " .. event.client.name .. "!")
        end)
        """

    static func scenario(_ script: String) -> String {
        """
        local t = px.test
        t.scenario("one welcome per client", function(s)
          s:watch("\(script)")
          local c = s:conversation{ client = "Emma Wilson" }
          for day = 1, 6 do
            s:client_writes(c, "Question " .. day, { after = "1d" })
          end
          s:advance("1h")
          s:expect_sent(c, { exact = "Welcome, Emma Wilson!", count = 1 })
        end)
        """
    }

    @Test("a script that keeps its memory in Lua globals passes once and fails under chaos, naming the seed, its restarts and the command to play it again")
    func globalsCaught() async throws {
        let folder = try RunFolder(["welcome.lua": Self.forgetful, "welcome_test.lua": Self.scenario("welcome.lua")])
        defer { folder.remove() }
        let plain = try await pxscript(["test", folder.url.path])
        #expect(plain.status == 0, "\(plain.stdout)\(plain.stderr)")

        let chaotic = try await pxscript(["test", folder.url.path, "--chaos", "20", "--seed", "7"])
        #expect(chaotic.status == 1, "\(chaotic.stdout)\(chaotic.stderr)")
        let text = chaotic.stdout
        #expect(text.contains("FAIL one welcome per client"), "\(text)")
        #expect(text.contains("under chaos, seed ") && text.contains("the daemon restarted at 2026-"), "\(text)")
        let seed = try #require(text.firstMatch(of: /--chaos 1 --seed (\d+)/)?.1, "\(text)")
        #expect(text.contains("play it again: pxscript test welcome_test.lua --filter \"one welcome per client\" --chaos 1 --seed \(seed)"), "\(text)")

        // The seed named plays the failure again, alone.
        let again = try await pxscript(["test", folder.url.path, "--chaos", "1", "--seed", String(seed)])
        #expect(again.status == 1 && again.stdout.contains("under chaos, seed \(seed)"), "\(again.stdout)")
    }

    @Test("the same scenario with px.once passes every play; so do the examples")
    func steadyPasses() async throws {
        let folder = try RunFolder(["welcome.lua": Self.steady, "welcome_test.lua": Self.scenario("welcome.lua")])
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
