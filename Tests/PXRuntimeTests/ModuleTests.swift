import Foundation
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing

@Suite("px: templates, state, time, values, map")
struct ModuleTests {
    @Test("templates render plain text: & and quotes stay, a missing variable is named, partials come from files")
    func templates() async throws {
        try await withHarness { h in
            try h.write(["signature.mustache": "— {{studio}}", "quote.mustache": "{{> signature}}"])
            let values = try await h.values("""
                local a = px.template.render("Hi {{name}} & \\"{{what}}\\" {{#items}}[{{.}}]{{/items}}{{^none}}!{{/none}}",
                  { name = "Smith & Co", what = "<b>", items = { "a", "b" } })
                local b = px.template.render("{{> quote}}", { studio = "Lumen" })
                local ok, err = pcall(px.template.render, "Hi {{first_name}}, {{name}}", { name = "x" })
                return a, b, ok, err
                """)
            #expect(values[0] == "Hi Smith & Co & \"<b>\" [a][b]!")
            #expect(values[1] == "— Lumen")
            #expect(values[2] == "false")
            #expect(values[3].contains("template: the data has no 'first_name'"))
        }
    }

    @Test("template files and attachments obey the file policy")
    func filePolicy() async throws {
        try await withHarness { h in
            try h.write([".secret/t.mustache": "x", "ok.mustache": "fine"])
            let values = try await h.values("""
                local ok1, e1 = pcall(px.template.file, "../../etc/passwd", {})
                local ok2, e2 = pcall(px.template.file, ".secret/t.mustache", {})
                local ok3, e3 = pcall(px.send, "conv_AAAAAAAAAAAA", "x", { attachments = { "/etc/hostname" } })
                return ok1, e1.code, ok2, e2.code, ok3, e3.code, px.template.file("ok.mustache", {})
                """)
            #expect(values == ["false", "FILE", "false", "FILE", "false", "FILE", "fine"])
        }
    }

    @Test("px.store keeps values across runs; px.once is true once per period")
    func stateAcrossRuns() async throws {
        try await withHarness { h in
            let script = """
                local runs = (px.store.get("runs") or 0) + 1
                px.store.set("runs", runs)
                px.store.set("profile", { name = "Ana", tags = { "vip", "2026" }, score = 1.5 })
                local p = px.store.get("profile")
                return runs, px.once("welcome", "7d"), px.once("welcome", "7d"), p.name, p.tags[2], p.score, math.type(runs)
                """
            let first = try await h.values(script), second = try await h.values(script)
            #expect(first == ["1", "true", "false", "Ana", "2026", "1.5", "integer"])
            #expect(second == ["2", "false", "false", "Ana", "2026", "1.5", "integer"])
        }
    }

    @Test("px.map runs items at most `concurrency` at once and keeps the input order; errors are collected")
    func map() async throws {
        try await withHarness { h in
            let values = try await h.values("""
                local active, most = 0, 0
                local results, errors = px.map({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, function(n)
                  active = active + 1
                  most = math.max(most, active)
                  px.sleep(0.02 * (13 - n) / 12)
                  active = active - 1
                  if n == 5 then error("five is bad") end
                  return n * n
                end, { concurrency = 3 })
                local errs = {}
                for i, e in pairs(errors) do errs[#errs + 1] = i .. "=" .. e end
                return most, results[1], results[4], results[12], results[5] == nil, table.concat(errs)
                """)
            #expect(values[0] == "3")
            #expect(values[1] == "1" && values[2] == "16" && values[3] == "144" && values[4] == "true")
            #expect(values[5].hasPrefix("5=") && values[5].hasSuffix("five is bad"))
        }
    }

    @Test("time, durations, hours and JSON")
    func values() async throws {
        try await withHarness { h in
            let values = try await h.values("""
                local t = px.time.parse("2026-03-02T14:30:00Z")   -- a Monday
                local h = px.hours("Mon-Fri 09:00-18:00; Sat 10:00-14:00; Sun 22:00-02:00", { tz = "UTC" })
                local sat = px.time.parse("2026-03-07T18:00:00Z")
                return px.time.format(t, "%A %d %B %H:%M"), px.duration("1h30m"), h:contains(t), h:contains(sat),
                       px.time.format(h:next_open(sat)), h:contains(px.time.parse("2026-03-09T01:00:00Z")),
                       px.json.encode({ b = { 1, 2 }, a = "x", n = 2.5 }), px.json.decode('{"k":[1,2.5,"z"]}').k[2],
                       math.floor(px.time.now()) == math.floor(px.time.parse("\(testNow)")) or px.time.now() - px.time.parse("\(testNow)") < 60
                """)
            #expect(values == [
                "Monday 02 March 14:30", "5400.0", "true", "false", "2026-03-08T22:00:00.000000Z", "true",
                #"{"a":"x","b":[1,2],"n":2.5}"#, "2.5", "true",
            ])
        }
    }

    @Test("px.attachments.upload uploads a file whose id goes on a message; errors are tables")
    func upload() async throws {
        try await withHarness { h in
            try h.write(["guide.pdf": "%PDF-1.4 price guide\n"])
            let attachments = try h.sandbox.database.counts().attachments
            let values = try await h.values("""
                local guide = px.attachments.upload("guide.pdf", { filename = "Price guide.pdf" })
                local page = px.conversations.list{ page_size = 2 }
                local a = px.send(page.data[1].id, "The guide", { attachments = { guide.id } })
                local reused, used = pcall(px.send, page.data[2].id, "The guide", { attachments = { guide.id } })
                local ok, err = pcall(px.attachments.upload, "missing.pdf")
                return guide.id:sub(1, 4), guide.filename, a.attachments[1].filename, used.code, ok, err.code
                """)
            #expect(values == ["att_", "Price guide.pdf", "Price guide.pdf", "ATTACHMENT_ALREADY_USED", "false", "FILE"])
            #expect(try h.sandbox.database.counts().attachments >= attachments + 1)
        }
    }

    @Test("px.args and px.dry_run; os.getenv never shows the cookie")
    func arguments() async throws {
        try await withHarness { h in
            // The cookie is in the environment and even "allowed": os.getenv still does not show it.
            let summary = try await h.run(
                "return #px.args, px.args[2], px.dry_run, os.getenv('PIXIESET_COOKIE'), os.getenv('GREETING')", arguments: ["a", "b"],
                allowEnvironment: ["PIXIESET_COOKIE", "GREETING"], environment: ["PIXIESET_COOKIE": "session_cookie=secret", "GREETING": "hi"])
            #expect(summary.results == ["2", "b", "false", "nil", "hi"])
        }
    }
}
