import LuaKit
import Testing

@Suite("Async calls: the coroutine waits, the host works")
struct AsyncTests {
    func state() throws -> LuaState {
        let lua = try LuaState()
        lua.registerAsync("fetch", in: "px") { args in
            let id = try args.string(1)
            return {
                try await Task.sleep(for: .milliseconds(1))
                return [.text("conversation " + id), .integer(3)]
            }
        }
        lua.registerAsync("fail", in: "px") { _ in
            return { throw LuaScriptError("CONVERSATION_NOT_FOUND") }
        }
        return lua
    }

    @Test("a script calls async functions as if they were synchronous")
    func sequential() async throws {
        let lua = try state()
        let script = """
            local total = 0
            for i = 1, 5 do
              local name, n = px.fetch("conv_" .. i)
              total = total + n
            end
            return total, px.fetch("conv_X")
            """
        #expect(try await lua.runAsync(script, chunkName: "seq.lua") == [.integer(15), .text("conversation conv_X"), .integer(3)])
    }

    @Test("the work's error is raised at the calling line; pcall catches it like any error")
    func errors() async throws {
        let lua = try state()
        let error = await #expect(throws: LuaError.self) { try await lua.runAsync("local x = 1\npx.fail()", chunkName: "e.lua") }
        guard case .runtime(let message, let traceback, _) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message == "e.lua:2: CONVERSATION_NOT_FOUND")
        #expect(traceback.contains("e.lua:2"))
        let caught = try await lua.runAsync("local ok, err = pcall(function() px.fail() end) return ok, err", chunkName: "p.lua")
        #expect(caught == [.boolean(false), .text("p.lua:1: CONVERSATION_NOT_FOUND")])
        // Called by pcall itself (a C function), the line is the script's that called pcall: a photographer's
        // `pcall(px.conversations.get, id)` still says where (Lua's own functions would name no line).
        let direct = try await lua.runAsync("return pcall(px.fail)", chunkName: "p.lua")
        #expect(direct == [.boolean(false), .text("p.lua:1: CONVERSATION_NOT_FOUND")])
    }

    @Test("argument errors of async functions are ordinary Lua errors")
    func argumentErrors() async throws {
        let lua = try state()
        let error = await #expect(throws: LuaError.self) { try await lua.runAsync("px.fetch()", chunkName: "a.lua") }
        #expect(error?.message == "a.lua:1: bad argument #1 to 'fetch' (string expected, got no value)")
    }

    @Test("where a yield is impossible the script gets a clear error")
    func unyieldable() async throws {
        let lua = try state()
        let script = "local t = {3, 1, 2} table.sort(t, function(a, b) px.fetch('x') return a < b end)"
        let error = await #expect(throws: LuaError.self) { try await lua.runAsync(script, chunkName: "s.lua") }
        #expect(error?.message.contains("cannot wait for the API here") == true)
        // In a synchronous run there is no coroutine to suspend.
        #expect(throws: LuaError.self) { try lua.run("px.fetch('x')", chunkName: "sync.lua") }
    }

    @Test("a script's own top-level yield is refused, not taken for a host call")
    func topLevelYield() async throws {
        let lua = try state()
        let error = await #expect(throws: LuaError.self) { try await lua.runAsync("coroutine.yield(1)", chunkName: "y.lua") }
        #expect(error?.message.contains("coroutine.yield") == true)
        // The script's own coroutines still work around host calls made outside them.
        let mixed = try await lua.runAsync("""
            local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) return b * 2 end)
            local first = co(1)
            local name = px.fetch("c")
            return first, co(21), name
            """, chunkName: "mixed.lua")
        #expect(mixed == [.integer(2), .integer(42), .text("conversation c")])
    }

    @Test("host calls inside the script's own coroutines reach the host, not the script's resume")
    func insideUserCoroutines() async throws {
        let lua = try state()
        let script = """
            -- a generator that calls the API between its own yields
            local gen = coroutine.wrap(function()
              for i = 1, 3 do
                local name = px.fetch("conv_" .. i)
                coroutine.yield(name)
              end
              return "done"
            end)
            local seen = {}
            for _ = 1, 4 do seen[#seen + 1] = gen() end
            -- coroutine.resume, nested one level deeper
            local outer = coroutine.create(function()
              local inner = coroutine.create(function() return px.fetch("deep") end)
              local ok, value = coroutine.resume(inner)
              return ok, value, coroutine.status(inner)
            end)
            local ok1, ok2, deep, status = coroutine.resume(outer)
            return table.concat(seen, ","), ok1, ok2, deep, status
            """
        let result = try await lua.runAsync(script, chunkName: "gen.lua")
        #expect(result == [
            .text("conversation conv_1,conversation conv_2,conversation conv_3,done"), .boolean(true), .boolean(true),
            .text("conversation deep"), .text("dead"),
        ])
    }

    @Test("errors of host calls inside coroutines stay inside them")
    func errorsInsideCoroutines() async throws {
        let lua = try state()
        let result = try await lua.runAsync("""
            local co = coroutine.create(function() px.fail() end)
            local ok, err = coroutine.resume(co)
            local wrapped = coroutine.wrap(function() px.fail() end)
            local ok2, err2 = pcall(wrapped)
            return ok, err, coroutine.status(co), ok2, err2
            """, chunkName: "ce.lua")
        #expect(result[0] == .boolean(false))
        #expect(result[1] == .text("ce.lua:1: CONVERSATION_NOT_FOUND"))
        #expect(result[2] == .text("dead"))
        #expect(result[3] == .boolean(false))
        #expect(result[4].text?.hasSuffix("ce.lua:3: CONVERSATION_NOT_FOUND") == true)
    }

    @Test("limits hold across host calls")
    func limits() async throws {
        let lua = try LuaState(limits: LuaLimits(maxInstructions: 1_000_000, maxMemory: 64 << 20))
        lua.registerAsync("tick") { _ in { [] } }
        let error = await #expect(throws: LuaError.self) { try await lua.runAsync("while true do tick() end", chunkName: "t.lua") }
        guard case .limit(let message) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.contains("instruction limit"))
    }
}

@Suite("The wall-clock limit of a run")
struct TimeoutTests {
    @Test("a host call that takes too long ends the run, also inside pcall", arguments: [
        "px.slow()", "while true do pcall(px.slow) end", "local co = coroutine.wrap(function() px.slow() end) pcall(co) while true do end",
    ])
    func slowCall(script: String) async throws {
        let lua = try LuaState()
        lua.registerAsync("slow", in: "px") { _ in
            { try await Task.sleep(for: .seconds(30)); return [] }
        }
        let error = await #expect(throws: LuaError.self) {
            try await lua.runAsync(script, chunkName: "slow.lua", timeout: .milliseconds(200))
        }
        guard case .limit(let message) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.contains("time limit") && message.contains("--handler-timeout"))
        // The next run has its own time.
        #expect(try await lua.runAsync("return 1", chunkName: "next.lua", timeout: .seconds(5)) == [.integer(1)])
    }

    @Test("a busy loop ends at the deadline even with instructions to spare")
    func busy() async throws {
        let lua = try LuaState(limits: LuaLimits(maxInstructions: .max, maxMemory: 64 << 20))
        let error = await #expect(throws: LuaError.self) {
            try await lua.runAsync("while true do end", chunkName: "busy.lua", timeout: .milliseconds(100))
        }
        guard case .limit(let message) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.contains("time limit"))
    }
}
