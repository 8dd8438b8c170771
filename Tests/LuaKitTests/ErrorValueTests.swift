import LuaKit
import Testing

@Suite("Errors raised as tables, and nested tables of functions")
struct ErrorValueTests {
    func state() throws -> LuaState {
        let lua = try LuaState()
        try lua.defineMetatable("test.APIError", source: """
            return { __tostring = function(e) return e.code .. ": " .. e.message end }
            """)
        let notFound = LuaScriptError(
            raising: .map([.text("code"): .text("CONVERSATION_NOT_FOUND"), .text("status"): .integer(404), .text("message"): .text("Conversation not found")]),
            metatable: "test.APIError", message: "CONVERSATION_NOT_FOUND")
        lua.register("get", in: "px.conversations") { _ in throw notFound }
        lua.registerAsync("fetch", in: "px.conversations") { _ in { throw notFound } }
        return lua
    }

    @Test("a sync and an async function raise the same table; pcall branches on its code", arguments: ["get", "fetch"])
    func tables(function: String) async throws {
        let lua = try state()
        let result = try await lua.runAsync("""
            local ok, err = pcall(px.conversations.\(function), "conv_1")
            local ok2, err2 = pcall(function()
              px.conversations.\(function)("conv_1")
            end)
            return ok, err.code, err.status, tostring(err), err2.where
            """, chunkName: "t.lua")
        #expect(result == [.boolean(false), .text("CONVERSATION_NOT_FOUND"), .integer(404), .text("CONVERSATION_NOT_FOUND: Conversation not found"), .text("t.lua:3")])
        let uncaught = await #expect(throws: LuaError.self) { try await lua.runAsync("\npx.conversations.\(function)('x')", chunkName: "u.lua") }
        #expect(uncaught?.message == "CONVERSATION_NOT_FOUND: Conversation not found")
    }
}
