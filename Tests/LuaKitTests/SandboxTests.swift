import LuaKit
import Testing

/// Hostile and curious scripts: each must end in a clean answer or a clean
/// error, with the host running.
@Suite("Sandbox")
struct SandboxTests {
    @Test("what is not there", arguments: [
        "io", "debug", "package", "dofile", "loadfile", "require", "string.dump", "os.execute", "os.getenv", "os.exit",
        "os.remove", "os.rename", "os.tmpname",
    ])
    func absent(name: String) throws {
        let lua = try LuaState()
        #expect(try lua.run("return \(name) == nil", chunkName: "probe.lua") == [.boolean(true)])
    }

    @Test("what is there", arguments: [
        "string.format('%d', 3)", "table.concat({1, 2}, ',')", "math.floor(2.5)", "utf8.char(233)", "os.time()", "os.clock()",
        "os.date('!%Y', 0)", "coroutine.wrap(function() return 1 end)()", "select('#', 1, 2)", "tostring(nil)",
    ])
    func present(expression: String) throws {
        let lua = try LuaState()
        #expect(try lua.run("return \(expression)", chunkName: "probe.lua").first != .nil)
    }

    @Test("load accepts text only, however it is called")
    func loadTextOnly() throws {
        let lua = try LuaState()
        #expect(try lua.run("return load('return 1 + 1')()", chunkName: "l.lua") == [.integer(2)])
        let binary = try lua.run(#"local f, err = load("\27Lua\84\0", "x", "b") return f, err"#, chunkName: "l.lua")
        #expect(binary[0] == .nil)
        #expect(binary[1].text?.contains("binary") == true)
        let pieces = try lua.run(#"local parts = {"return ", "'joined'"} local i = 0 return load(function() i = i + 1 return parts[i] end)()"#, chunkName: "l.lua")
        #expect(pieces == [.text("joined")])
        let env = try lua.run("return load('return x', 'c', 't', {x = 5})()", chunkName: "l.lua")
        #expect(env == [.integer(5)])
    }

    @Test("collectgarbage allows count, collect and step only")
    func collectgarbage() throws {
        let lua = try LuaState()
        #expect(try lua.run("return type(collectgarbage('count'))", chunkName: "g.lua") == [.text("number")])
        #expect(try lua.run("return collectgarbage()", chunkName: "g.lua") == [.integer(0)])
        for option in ["stop", "restart", "incremental", "generational", "setpause"] {
            #expect(throws: LuaError.self) { try lua.run("collectgarbage('\(option)')", chunkName: "g.lua") }
        }
    }

    @Test("finalizers are refused, so none can run out of the limits' reach")
    func finalizers() throws {
        let lua = try LuaState(limits: LuaLimits(maxInstructions: 1_000_000, maxMemory: 16 << 20))
        let error = #expect(throws: LuaError.self) {
            try lua.run("setmetatable({}, {__gc = function() while true do end end}) collectgarbage()", chunkName: "gc.lua")
        }
        #expect(error?.message == "gc.lua:1: finalizers (__gc) are not allowed in scripts")
        // Ordinary metatables still work; __gc added afterwards does not mark the object (Lua 5.4).
        let ok = try lua.run("""
            local mt = {__index = function(_, k) return k .. '!' end}
            local t, u = setmetatable({}, mt), setmetatable({}, mt)
            mt.__gc = function() while true do end end
            t = nil
            collectgarbage()
            return u.hello
            """, chunkName: "mt.lua")
        #expect(ok == [.text("hello!")])
    }

    @Test("the string metatable and the environment's metatable cannot be changed")
    func lockedMetatables() throws {
        let lua = try LuaState()
        #expect(try lua.run("return getmetatable('')", chunkName: "m.lua") == [.boolean(false)])
        #expect(throws: LuaError.self) { try lua.run("setmetatable(_G, {__index = function() return 1 end})", chunkName: "m.lua") }
        #expect(try lua.run("return ('abc'):upper()", chunkName: "m.lua") == [.text("ABC")])
    }
}

@Suite("Limits")
struct LimitTests {
    func limitError(_ script: String, limits: LuaLimits = LuaLimits(maxInstructions: 2_000_000, maxMemory: 16 << 20)) throws -> String? {
        let lua = try LuaState(limits: limits)
        do {
            _ = try lua.run(script, chunkName: "bomb.lua")
            Issue.record("expected a limit error")
            return nil
        } catch LuaError.limit(let message) {
            // The host and the state survive: the next run works.
            #expect(try lua.run("return 1", chunkName: "next.lua") == [.integer(1)])
            return message
        }
    }

    @Test("an endless loop ends at the instruction limit", arguments: [
        "while true do end",
        "while true do pcall(function() while true do end end) end",
        "local co = coroutine.wrap(function() while true do end end) co()",
        "for i = 1, math.huge do local _ = i * 2 end",
        "while true do pcall(error, 'x') end",
    ])
    func instructions(script: String) throws {
        let message = try limitError(script)
        #expect(message?.contains("instruction limit") == true && message?.contains("--max-instructions") == true)
    }

    @Test("a memory bomb ends at the memory limit, also inside pcall", arguments: [
        "local t = {} while true do t[#t + 1] = string.rep('x', 4096) .. #t end",
        "local t = {} while true do pcall(function() t[#t + 1] = string.rep('y', 65536) .. #t end) end",
        "local s = 'x' while true do s = s .. s end",
    ])
    func memory(script: String) throws {
        let message = try limitError(script, limits: LuaLimits(maxInstructions: 1_000_000_000, maxMemory: 8 << 20))
        #expect(message?.contains("memory limit") == true && message?.contains("--max-memory") == true)
    }

    @Test("deep recursion is Lua's stack overflow, not a crashed host")
    func recursion() throws {
        let lua = try LuaState()
        let error = #expect(throws: LuaError.self) { try lua.run("local function f() return 1 + f() end return f()", chunkName: "r.lua") }
        #expect(error?.message.contains("stack overflow") == true)
    }
}

@Suite("os.getenv")
struct EnvironmentTests {
    @Test("allowed names only, never the session cookie")
    func getenv() throws {
        let lua = try LuaState()
        lua.allowEnvironment(["STUDIO_NAME", "PIXIESET_COOKIE"], from: [
            "STUDIO_NAME": "Maple & Light", "HOME": "/root", "PIXIESET_COOKIE": "session=secret",
        ])
        let values = try lua.run(
            "return os.getenv('STUDIO_NAME'), os.getenv('HOME'), os.getenv('PIXIESET_COOKIE'), os.getenv('NOPE')", chunkName: "env.lua")
        #expect(values == [.text("Maple & Light"), .nil, .nil, .nil])
        let error = #expect(throws: LuaError.self) { try lua.run("os.getenv()", chunkName: "env.lua") }
        #expect(error?.message == "env.lua:1: bad argument #1 to 'getenv' (string expected, got no value)")
    }
}
