import LuaKit
import Testing

@Suite("LuaState: running scripts, values, errors")
struct LuaStateTests {
    @Test("values come back with their types: integers stay integers, strings byte for byte")
    func values() throws {
        let lua = try LuaState()
        let results = try lua.run(#"return 1, 2.5, "caf\u{E9}", true, nil, {1, 2, 3}, {a = 1}, "\255\0x""#, chunkName: "values.lua")
        #expect(results[0] == .integer(1))
        #expect(results[1] == .number(2.5))
        #expect(results[2] == .text("café"))
        #expect(results[3] == .boolean(true))
        #expect(results[4] == .nil)
        #expect(results[5] == .array([.integer(1), .integer(2), .integer(3)]))
        #expect(results[6] == .map([.text("a"): .integer(1)]))
        #expect(results[7] == .string([255, 0, 120]))
        #expect(try lua.run("return 2^53", chunkName: "x.lua") == [.number(9_007_199_254_740_992)])
        #expect(try lua.run("return 7 // 2", chunkName: "x.lua") == [.integer(3)])
    }

    @Test("a syntax error names the file and line")
    func syntax() throws {
        let lua = try LuaState()
        let error = #expect(throws: LuaError.self) { try lua.run("local x = 1\nif x then\n", chunkName: "broken.lua") }
        guard case .syntax(let message) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.hasPrefix("broken.lua:3:"))
    }

    @Test("a runtime error: file:line: message, and a traceback")
    func runtime() throws {
        let lua = try LuaState()
        let script = """
            local function inner() error("boom") end
            local function outer() inner() end
            outer()
            """
        let error = #expect(throws: LuaError.self) { try lua.run(script, chunkName: "followup.lua") }
        guard case .runtime(let message, let traceback, _) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message == "followup.lua:1: boom")
        #expect(traceback.hasPrefix("stack traceback:"))
        #expect(traceback.contains("followup.lua:2: in") && traceback.contains("followup.lua:3: in"))
    }

    @Test("an error object that is a table with __tostring is reported through it")
    func errorObjects() throws {
        let lua = try LuaState()
        let script = #"error(setmetatable({code = "X"}, {__tostring = function(e) return "API error " .. e.code end}))"#
        let error = #expect(throws: LuaError.self) { try lua.run(script, chunkName: "e.lua") }
        #expect(error?.message.contains("API error X") == true)
    }

    @Test("Swift functions: arguments, results, and Lua's own wording for bad arguments")
    func functions() throws {
        let lua = try LuaState()
        lua.register("greet") { args in [.text("Hello, \(try args.string(1))!"), .integer(Int64(args.count))] }
        lua.register("send", in: "px") { args in
            _ = try args.string(1)
            return [.boolean(true)]
        }
        #expect(try lua.run(#"return greet("Ava")"#, chunkName: "f.lua") == [.text("Hello, Ava!"), .integer(1)])
        let error = #expect(throws: LuaError.self) { try lua.run("\npx.send(nil)", chunkName: "send.lua") }
        #expect(error?.message == "send.lua:2: bad argument #1 to 'send' (string expected, got nil)")
        let none = #expect(throws: LuaError.self) { try lua.run("px.send()", chunkName: "send.lua") }
        #expect(none?.message == "send.lua:1: bad argument #1 to 'send' (string expected, got no value)")
        // pcall catches an ordinary error from a Swift function, as it does Lua's.
        #expect(try lua.run("return pcall(px.send, {})", chunkName: "p.lua").first == .boolean(false))
    }

    @Test("the state stays usable after a failed run")
    func reuse() throws {
        let lua = try LuaState()
        _ = try? lua.run("error('first')", chunkName: "a.lua")
        #expect(try lua.run("return 40 + 2", chunkName: "b.lua") == [.integer(42)])
    }
}
