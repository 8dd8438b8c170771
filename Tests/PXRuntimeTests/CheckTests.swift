import Foundation
import LuaKit
import PXRuntime
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
        #expect(warnings.contains { $0.hasSuffix("main.lua:6: warning: unknown px name 'px.sned'") })
        #expect(warnings.contains { $0.contains("main.lua:7: warning: 'conversaton' is used but never set") })
    }
}
