import Foundation
import Testing

/// docs/spec.md §8: a number out of range from a flag is a usage error (64), never
/// a Swift trap (SIGILL, 132).
@Suite("numbers from flags and the environment")
struct NumberInputTests {
    @Test("out-of-range numbers in flags are usage errors", arguments: [
        ["run", "one.lua", "--max-memory", "99999999999G"],
        ["run", "one.lua", "--max-memory", "9223372036854775807K"],
        ["run", "one.lua", "--max-instructions", "1e300"],
        ["run", "one.lua", "--handler-timeout", "99999999999999999w"],
        ["run", "one.lua", "--handler-timeout", "nan"],
        ["watch", "one.lua", "--interval", "99999999999999999w"],
        ["watch", "one.lua", "--interval", "1e400"],
        ["run", "one.lua", "--base-url", "http://127.0.0.1:99999/api/v1"],
        ["api", "GET", "/conversations/", "--base-url", "http://127.0.0.1:70000/api/v1"],
        ["run", "one.lua", "--max-sends", "99999999999999999999999"],
    ])
    func usage(arguments: [String]) async throws {
        let folder = try RunFolder(["one.lua": "return px.unread()"])
        defer { folder.remove() }
        var env = folder.environment()
        env["PIXIESET_COOKIE"] = "session_cookie=x"
        env["PXSCRIPT_NOW"] = nil
        let resolved = arguments.map { $0 == "one.lua" ? folder.path("one.lua") : $0 }
        let outcome = try await pxscript(resolved, environment: env)
        #expect(outcome.status == 64, "\(arguments): \(outcome.status) \(outcome.stderr)")
    }

    @Test("out-of-range numbers in scripts are Lua errors naming the argument")
    func scripts() async throws {
        let folder = try RunFolder(["numbers.lua": """
            local out = {}
            for _, f in ipairs({
              function() px.sleep(1e300) end, function() px.sleep(0/0) end, function() px.time.format(0/0) end,
              function() px.time.format(1e300) end, function() return px.duration("99999999999999999w") end,
              function() return px.hours("Mon 09:00-17:00"):contains(1e300) end,
              function() return px.hours("Mon 09:00-17:00"):next_open(-1/0) end,
            }) do
              local ok, err = pcall(f)
              out[#out + 1] = ok and "ok" or (tostring(err):match("bad argument #%d to '[%w_]+'") or tostring(err))
            end
            print(table.concat(out, "|"))
            """])
        defer { folder.remove() }
        let outcome = try await pxscript(["run", folder.path("numbers.lua"), "--sandbox"], environment: folder.environment())
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == [
            "bad argument #1 to 'sleep'", "bad argument #1 to 'sleep'", "bad argument #1 to 'format'", "bad argument #1 to 'format'",
            "bad argument #1 to 'duration'", "bad argument #1 to 'contains'", "bad argument #1 to 'next_open'",
        ].joined(separator: "|"), "\(outcome.stdout)")
    }
}
