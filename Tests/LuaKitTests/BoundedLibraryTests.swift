import LuaKit
import Testing

/// docs/spec.md §3: no library call can hold the host for longer than the
/// instruction budget allows, even where the count hook never fires (inside
/// one C function). Each of these spun for minutes or for ever in stock Lua.
@Suite("library calls whose work grows with an argument are charged")
struct BoundedLibraryTests {
    @Test("each ends with the instruction limit, quickly, and the limit sticks", arguments: [
        "table.move({}, 1, 1 << 62, 2)",
        "table.move({}, 1, (1 << 62), 1, {})",
        "table.remove(setmetatable({}, { __len = function() return 1 << 62 end }), 1)",
        "table.insert(setmetatable({}, { __len = function() return 1 << 62 end }), 1, 'x')",
        "table.sort(setmetatable({}, { __len = function() return (1 << 31) - 2 end }), rawequal)",
        "table.sort(setmetatable({}, { __len = function() return (1 << 31) - 2 end, __index = rawlen }))",
        "string.find(string.rep('a', 1 << 20), string.rep('a', 1 << 12) .. 'b', 1, true)",
    ])
    func charged(call: String) throws {
        let lua = try LuaState(limits: LuaLimits(maxInstructions: 5_000_000))
        let error = #expect(throws: LuaError.self) {
            try lua.run("local ok, e = pcall(function() return \(call) end) error(e, 0)", chunkName: "bomb.lua")
        }
        guard case .limit(let message)? = error else { Issue.record("\(call): \(String(describing: error))"); return }
        #expect(message.contains("instruction limit reached"))
    }

    @Test("string.rep of an empty string returns at once, however many times it is asked for")
    func emptyRep() throws {
        let lua = try LuaState(limits: LuaLimits(maxInstructions: 5_000_000))
        #expect(try lua.run("return string.rep('', 1 << 62), string.rep('', 1 << 62, ''), #string.rep('', 1 << 62)", chunkName: "r.lua")
            == [.text(""), .text(""), .integer(0)])
    }

    @Test("the same functions behave as stock Lua on ordinary input")
    func ordinary() throws {
        let lua = try LuaState()
        let values = try lua.run("""
            local t = { 3, 1, 2 }
            table.sort(t)
            local u = { 1, 2, 3 }
            table.insert(u, 2, 'x')
            local removed = table.remove(u, 1)
            local m = table.move({ 1, 2, 3 }, 1, 3, 2)
            table.sort(t, function(a, b) return a > b end)
            return table.concat(t, ','), table.concat(u, ','), removed, table.concat(m, ','), string.rep('ab', 3, '-'), string.rep('', 5),
                   select(2, pcall(table.move, {}, 1, math.maxinteger, 2)), string.find('hello world', 'o w', 1, true)
            """, chunkName: "ok.lua")
        #expect(values == [.text("3,2,1"), .text("x,2,3"), .integer(1), .text("1,1,2,3"), .text("ab-ab-ab"), .text(""),
                           .text("bad argument #4 to 'table.move' (destination wrap around)"), .integer(5), .integer(7)])
    }
}
