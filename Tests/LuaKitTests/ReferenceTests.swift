import LuaKit
import Testing

@Suite("Functions handed to the host")
struct ReferenceTests {
    @Test("a handler registered by a script is called later, may wait for the API, and is released")
    func handlers() async throws {
        let lua = try LuaState()
        var handlers: [LuaReference] = []
        lua.register("on") { args in
            handlers.append(try args.function(1))
            return []
        }
        lua.registerAsync("fetch") { args in
            let id = try args.string(1)
            return { [.text("hello from " + id)] }
        }
        _ = try lua.run("count = 0 on(function(event) count = count + 1 return fetch(event.id), count end)", chunkName: "h.lua")
        let handler = try #require(handlers.first)
        let event = try LuaValueEncoder().encode(["id": "conv_1"])
        #expect(try await lua.call(handler, with: [event]) == [.text("hello from conv_1"), .integer(1)])
        #expect(try await lua.call(handler, with: [event]) == [.text("hello from conv_1"), .integer(2)])
        lua.release(handler)
        let error = await #expect(throws: LuaError.self) { try await lua.call(handler, with: [event]) }
        #expect(error?.message.contains("no longer available") == true)
        let bad = #expect(throws: LuaError.self) { try lua.run("on(42)", chunkName: "h.lua") }
        #expect(bad?.message == "h.lua:1: bad argument #1 to 'on' (function expected, got number)")
    }

    @Test("a failing handler reports its own file and line, with a traceback")
    func failingHandler() async throws {
        let lua = try LuaState()
        var handler: LuaReference?
        lua.register("on") { args in
            handler = try args.function(1)
            return []
        }
        _ = try lua.run("on(function()\n  error('no template')\nend)", chunkName: "autoreply.lua")
        let error = await #expect(throws: LuaError.self) { try await lua.call(try #require(handler), with: []) }
        guard case .runtime(let message, let traceback, _) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message == "autoreply.lua:2: no template")
        #expect(traceback.contains("autoreply.lua:2"))
    }
}
