import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// `pxscript test` (issue 19): scenario files on a test studio and a virtual clock.
@Suite("pxscript test")
struct TestCommandTests {
    static let examples = RunCommandTests.examples.path

    static let echo = """
        px.on("message", function(event)
          event:reply("Got it, " .. event.client.name)
        end)
        """

    static let scenarios = """
        local t = px.test
        t.scenario("passes", function(s)
          s:watch("echo.lua")
          local c = s:conversation{ client = "Emma Wilson" }
          s:client_writes(c, "Hello")
          s:advance("1m")
          s:expect_sent(c, { exact = "Got it, Emma Wilson", count = 1 })
        end)
        t.scenario("expects what was not sent", function(s)
          s:watch("echo.lua")
          local c = s:conversation{ client = "Emma Wilson" }
          s:client_writes(c, "Hello")
          s:advance("1m")
          s:expect_sent(c, { matching = "Goodbye" })
        end)
        t.scenario("a bad argument", function(s)
          s:advance("soon")
        end)
        """

    @Test("the examples' scenarios all pass: one line each, exit 0")
    func examplesPass() async throws {
        let outcome = try await pxscript(["test", Self.examples])
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("ok ") }.count >= 9, "\(outcome.stdout)")
        #expect(lines.last?.hasSuffix(" passed, 0 failed") == true, "\(outcome.stdout)")
    }

    @Test("a failing scenario shows what was expected and what was sent, with the script's line; a bad argument names the scenario's line; exit 1")
    func failures() async throws {
        let folder = try RunFolder(["echo.lua": Self.echo, "echo_test.lua": Self.scenarios])
        defer { folder.remove() }
        let outcome = try await pxscript(["test", folder.url.path])
        #expect(outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
        let text = outcome.stdout
        #expect(text.contains("ok   passes"), "\(text)")
        #expect(text.contains("FAIL expects what was not sent"), "\(text)")
        #expect(text.contains("echo_test.lua:14: expected a send to conv_") && text.contains("containing \"Goodbye\", found 0"), "\(text)")
        #expect(text.contains("to conv_") && text.contains("(Emma Wilson)  [echo.lua:2]") && text.contains("| Got it, Emma Wilson"), "\(text)")
        #expect(text.contains("echo_test.lua:17: bad argument #1 to 'advance'"), "\(text)")
        #expect(text.contains("1 passed, 2 failed"), "\(text)")

        let only = try await pxscript(["test", folder.url.path, "--filter", "PASSES"])
        #expect(only.status == 0 && only.stdout.contains("1 passed, 0 failed"), "\(only.stdout)")
    }

    @Test("s:watch takes max_sends (a busy day's replies wait for the next one); a misspelt option is an error, never ignored")
    func watchOptions() async throws {
        let scenarios = """
            local t = px.test
            t.scenario("capped", function(s)
              s:at("2026-06-01 09:00")
              s:watch("echo.lua", { interval = "1m", max_sends = 2 })
              local cs = {}
              for i = 1, 4 do cs[i] = s:conversation{ client = "Client " .. i } end
              for i = 1, 4 do s:client_writes(cs[i], "Hello") end
              s:advance("1h")
              s:expect_sent{ count = 2 }
              s:advance("1d")
              s:expect_sent{ count = 2 }
            end)
            t.scenario("misspelt", function(s)
              s:watch("echo.lua", { intervall = "1m" })
            end)
            """
        let folder = try RunFolder(["echo.lua": Self.echo, "echo_test.lua": scenarios])
        defer { folder.remove() }
        let outcome = try await pxscript(["test", folder.url.path])
        let text = outcome.stdout
        #expect(text.contains("ok   capped"), "\(text)")
        #expect(text.contains("FAIL misspelt") && text.contains("unknown option 'intervall'"), "\(text)")
    }

    @Test("TAP and JUnit XML: well-formed, with the failures")
    func formats() async throws {
        let folder = try RunFolder(["echo.lua": Self.echo, "echo_test.lua": Self.scenarios])
        defer { folder.remove() }
        let tap = try await pxscript(["test", folder.path("echo_test.lua"), "--format", "tap"])
        #expect(tap.status == 1)
        let lines = tap.stdout.split(separator: "\n").map(String.init)
        #expect(lines.prefix(2) == ["TAP version 13", "1..3"], "\(tap.stdout)")
        #expect(lines.contains("ok 1 - passes") && lines.contains("not ok 2 - expects what was not sent"), "\(tap.stdout)")

        let junit = try await pxscript(["test", folder.path("echo_test.lua"), "--format", "junit"])
        #expect(junit.status == 1)
        let parser = XMLParser(data: Data(junit.stdout.utf8))
        #expect(parser.parse(), "\(junit.stdout)")
        #expect(junit.stdout.contains(#"tests="3" failures="2""#), "\(junit.stdout)")
    }

    @Test("every scenario of docs/testing.md passes against the examples it names")
    func documented() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/testing.md"), encoding: .utf8)
        let blocks = text.components(separatedBy: "```lua\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        #expect(blocks.count >= 3)
        // A copy of examples/, each block written over the scenario file its first line names.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxdocs-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: RunCommandTests.examples, to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        for block in blocks {
            // The first line names the file: a scenario file is run; a script is written for the scenarios after it.
            let name = try #require(block.split(separator: "\n").first?.split(separator: " ").first { $0.hasSuffix(".lua") }.map(String.init), "\(block)")
            try block.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            guard name.hasSuffix("_test.lua") else { continue }
            let outcome = try await pxscript(["test", folder.appendingPathComponent(name).path])
            #expect(outcome.status == 0, "\(name): \(outcome.stdout)\(outcome.stderr)")
        }
    }

    @Test("a file that does not compile exits 65; no scenario file exits 66")
    func broken() async throws {
        let folder = try RunFolder(["bad_test.lua": "px.test.scenario('x', function(s) s:advance(", "empty/readme.txt": "nothing"])
        defer { folder.remove() }
        let bad = try await pxscript(["test", folder.path("bad_test.lua")])
        #expect(bad.status == 65 && bad.stdout.contains("bad_test.lua does not load"), "\(bad.stdout)\(bad.stderr)")
        let none = try await pxscript(["test", folder.path("empty")])
        #expect(none.status == 66 && none.stderr.contains("no scenario files"), "\(none.stderr)")
        let missing = try await pxscript(["test", folder.path("nowhere_test.lua")])
        #expect(missing.status == 66, "\(missing.stderr)")
        let format = try await pxscript(["test", folder.path("bad_test.lua"), "--format", "xml"])
        #expect(format.status == 64)
    }

    @Test("a scenario runs scripts of its own folder only: not the config file, not an absolute path elsewhere, not a huge file (issue 28)")
    func scenarioReach() async throws {
        let folder = try RunFolder([
            "config/pxscript/config.toml": "cookie = \"sessionid=secret-config-cookie\"\n",
            "tests/reach_test.lua": """
                local t = px.test
                for _, name in ipairs({ "CONFIG", "OUTSIDE", "../../OUTSIDE_NAME/other.lua", "big.lua" }) do
                  t.scenario("runs " .. name, function(s) s:run(name) end)
                end
                """,
        ])
        defer { folder.remove() }
        // A folder beside the scenario's own (the scripts' folder is the one above tests/).
        let outside = try RunFolder(["other.lua": "return 1\n"])
        defer { outside.remove() }
        let scenario = folder.path("tests/reach_test.lua")
        let text = try String(contentsOfFile: scenario, encoding: .utf8)
            .replacingOccurrences(of: "\"CONFIG\"", with: "\"\(folder.path("config/pxscript/config.toml"))\"")
            .replacingOccurrences(of: "\"OUTSIDE\"", with: "\"\(outside.path("other.lua"))\"")
            .replacingOccurrences(of: "OUTSIDE_NAME", with: outside.url.lastPathComponent)
        try text.write(toFile: scenario, atomically: true, encoding: .utf8)
        try String(repeating: "-- padding\n", count: 500_000).write(toFile: folder.path("tests/big.lua"), atomically: true, encoding: .utf8)
        let outcome = try await pxscript(["test", scenario], environment: folder.environment())
        #expect(outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
        #expect(!outcome.stdout.contains("secret-config-cookie") && !outcome.stderr.contains("secret-config-cookie"))
        #expect(outcome.stdout.contains("pxscript's own files are not scripts") || outcome.stdout.contains("not this one"), "\(outcome.stdout)")
        #expect(outcome.stdout.components(separatedBy: "a scenario runs scripts of its own folder").count - 1 >= 2, "\(outcome.stdout)")
        #expect(outcome.stdout.contains("larger than 4 MiB"), "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("ok ") || !outcome.stdout.contains("runs "), "no scenario may pass: \(outcome.stdout)")
    }
}
