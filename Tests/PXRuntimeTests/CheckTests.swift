import Foundation
import LuaKit
import PXRuntime
@testable import PXState
import Testing

@Suite("pxscript check: compile and lint without network")
struct CheckTests {
    func check(_ files: [String: String]) throws -> [String] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, text) in files {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return try ScriptCheck.run(scriptPath: folder.appendingPathComponent("main.lua").path, policy: try FilePolicy(scriptFolder: folder.path))
    }

    @Test("a syntax error is file:line: message, also in a required module")
    func syntax() throws {
        #expect {
            try check(["main.lua": "local x = 1\nif x then\n"])
        } throws: { error in
            guard case RuntimeError.compile(let message) = error else { return false }
            return message.hasSuffix("main.lua:3: 'end' expected (to close 'if' at line 2) near <eof>")
        }
        #expect {
            try check(["main.lua": "local util = require('lib.util')\n", "lib/util.lua": "return {\n  x = = 1\n}\n"])
        } throws: { error in
            guard case RuntimeError.compile(let message) = error else { return false }
            return message.hasPrefix("lib/util.lua:2:")
        }
    }

    @Test("an option a px function does not take is an error at its line with the one meant; known options, other tables and nested ones are not")
    func unknownOptions() throws {
        let findings = try check(["main.lua": """
            for c in px.conversations.awaiting{ olderthan = "3d", on = "client" } do
              px.send(c.id, "Hi", { key = "a", attachment = { "guide.pdf" }, approve = true })
              local t = { olderthan = 1 }
            end
            px.on("message", function(event)
              if event.answered then return end
              for i = 1, 2 do local t = px.template.render("x", { name = i }) end
              repeat local u = { nmae = 1 } until true
              event:reply("Thanks", { aprove = true })
              px.map({ 1 }, function(x) return { anything = x } end, { concurency = 2 })
            end, { max_age = "2d" })
            px.every("1h", function() end, { nmae = "digest" })
            """])
        let errors = findings.filter(ScriptCheck.isError)
        #expect(errors.count == 5, "\(findings)")
        #expect(errors.contains { $0.hasSuffix("main.lua:1: error: unknown option 'olderthan' for px.conversations.awaiting (did you mean 'older_than'?); it takes automated, client_id, newer_than, older_than, on") }, "\(errors)")
        #expect(errors.contains { $0.contains("main.lua:2: error: unknown option 'attachment' for px.send (did you mean 'attachments'?)") })
        #expect(errors.contains { $0.contains("main.lua:9: error: unknown option 'aprove' for event:reply (did you mean 'approve'?)") })
        #expect(errors.contains { $0.contains("main.lua:10: error: unknown option 'concurency' for px.map (did you mean 'concurrency'?)") })
        #expect(errors.contains { $0.contains("main.lua:12: error: unknown option 'nmae' for px.every (did you mean 'name'?)") })
    }

    @Test("an unknown px name gets the nearest one; comparing sender_type with \"studio\" is a warning that points at from")
    func suggestions() throws {
        let findings = try check(["main.lua": """
            px.sned("conv_1", "hi")
            for _, m in ipairs(px.conversations.get("conv_1").messages) do
              if m.sender_type == "studio" then print(1) end
              if m.sender_type == "photographer" or m.from == "studio" then print(2) end
            end
            """])
        #expect(findings.contains { $0.hasSuffix("main.lua:1: warning: unknown px name 'px.sned' (did you mean 'px.send'?)") }, "\(findings)")
        #expect(findings.contains { $0.contains("main.lua:3: warning: sender_type is never \"studio\"") && $0.contains("from") }, "\(findings)")
        #expect(findings.count == 2, "\(findings)")
    }

    @Test("unknown px names and globals used but never set are warned about; locals, parameters and fields are not")
    func warnings() throws {
        let warnings = try check(["main.lua": """
            local total = 0
            local function greet(name, ...) return "Hi " .. name end
            for i, conversation in ipairs({}) do total = total + i end
            counter = 1
            local t = { size = 3, [1] = 2 }
            px.sned("conv_1", greet("x"))
            print(conversaton.id, t.size, counter, px.conversations.list{}.data, px.args[1], string.format("%d", total))
            """])
        #expect(warnings.count == 2, "\(warnings)")
        #expect(warnings.contains { $0.hasSuffix("main.lua:6: warning: unknown px name 'px.sned' (did you mean 'px.send'?)") })
        #expect(warnings.contains { $0.contains("main.lua:7: warning: 'conversaton' is used but never set") })
    }
}
