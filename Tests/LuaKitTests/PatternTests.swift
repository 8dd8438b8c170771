@testable import LuaKit
import Testing

@Suite("Lua patterns with a budget")
struct PatternTests {
    @Test("the same answers as stock Lua on thousands of generated patterns and subjects")
    func differential() throws {
        let lua = try LuaState()
        lua.exposeStockPatternsForTesting()
        let script = #"""
            local pieces = { "a", "b", ".", "%a", "%d", "%s", "%w", "%p", "%u", "[ab]", "[^a]", "[a-c]", "[%d_]", "%%",
              "(", ")", "()", "*", "+", "-", "?", "^", "$", "%b()", "%f[%a]", "%1", "x", "[]", "%", "[^]" }
            local letters = { "a", "b", "c", "1", "2", " ", "(", ")", "_", "x", "A", "%" }
            local seed = 12345
            local function rand(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n + 1 end
            local function same(a, b)
              if a.n ~= b.n then return false end
              for i = 1, a.n do if a[i] ~= b[i] then return false end end
              return true
            end
            local function call(f, ...) return table.pack(pcall(f, ...)) end
            local function iterate(gmatch, s, p)
              local ok, iter = pcall(gmatch, s, p)
              if not ok then return {n = 1, false} end
              local out = {n = 0}
              for _ = 1, 50 do
                local r = table.pack(pcall(iter))
                if not r[1] then out.n = out.n + 1 out[out.n] = "error" return out end
                if r[2] == nil then break end
                for i = 2, r.n do out.n = out.n + 1 out[out.n] = r[i] end
              end
              return out
            end
            local checked, mismatches = 0, {}
            for _ = 1, 3000 do
              local p = {}
              for _ = 1, rand(6) do p[#p + 1] = pieces[rand(#pieces)] end
              p = table.concat(p)
              local s = {}
              for _ = 1, rand(12) - 1 do s[#s + 1] = letters[rand(#letters)] end
              s = table.concat(s)
              local init = rand(5) - 3
              local pairs = {
                { call(__stock.find, s, p, init), call(string.find, s, p, init), "find" },
                { call(__stock.match, s, p), call(string.match, s, p), "match" },
                { call(__stock.gsub, s, p, "<%0>"), call(string.gsub, s, p, "<%0>"), "gsub" },
                { iterate(__stock.gmatch, s, p), iterate(string.gmatch, s, p), "gmatch" },
              }
              for _, pair in ipairs(pairs) do
                -- Both fail or both succeed with the same values (error wording may differ).
                local a, b = pair[1], pair[2]
                local agree = (a[1] == false and b[1] == false) or same(a, b)
                if not agree and #mismatches < 5 then
                  mismatches[#mismatches + 1] = pair[3] .. "(" .. string.format("%q", s) .. ", " .. string.format("%q", p) .. ")"
                end
                checked = checked + 1
              end
            end
            return checked, table.concat(mismatches, "; ")
            """#
        let result = try lua.run(script, chunkName: "differential.lua")
        #expect(result.first == .integer(12_000))
        #expect(result.last == .text(""), "mismatches: \(result.last?.text ?? "")")
    }

    @Test("ordinary uses", arguments: [
        (#"return ("hello world"):find("o w")"#, [LuaValue.integer(5), .integer(7)]),
        (#"return ("key = value"):match("(%w+)%s*=%s*(%w+)")"#, [.text("key"), .text("value")]),
        (#"return ("Smith & Co"):gsub("&", "and")"#, [.text("Smith and Co"), .integer(1)]),
        (#"local t = {} for w in ("a,b,,c"):gmatch("([^,]*)") do t[#t+1] = w end return table.concat(t, "|")"#, [.text("a|b||c")]),
        (#"return ("f(a(b)c)d"):match("%b()")"#, [.text("(a(b)c)")]),
        (#"return ("THE (quick) fox"):find("%f[%a]%a+", 5)"#, [.integer(6), .integer(10)]),
        (#"return ("abc"):gsub("%w", {a = "1", b = false})"#, [.text("1bc"), .integer(3)]),
        (#"return ("hello"):gsub("l+", function(m) return #m end)"#, [.text("he2o"), .integer(1)]),
        (#"return ("x.y"):find(".", 1, true)"#, [.integer(2), .integer(2)]),
    ])
    func ordinary(script: String, expected: [LuaValue]) throws {
        #expect(try LuaState().run(script, chunkName: "p.lua") == expected)
    }

    @Test("a catastrophic pattern ends at the instruction limit instead of hanging the host", arguments: [
        #"return (("a"):rep(60)):find(".-.-.-.-.-.-.-.-.-.-.-.-b")"#,
        #"return (("a"):rep(5000)):gsub("a*a*a*a*a*b", "")"#,
        #"local n = 0 for _ in (("ab"):rep(100000)):gmatch(".-b") do n = n + 1 end while true do end"#,
    ])
    func catastrophic(script: String) throws {
        let lua = try LuaState(limits: LuaLimits(maxInstructions: 5_000_000, maxMemory: 64 << 20))
        let error = #expect(throws: LuaError.self) { try lua.run(script, chunkName: "bomb.lua") }
        guard case .limit(let message) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.contains("instruction limit"))
        #expect(try lua.run("return ('ok'):upper()", chunkName: "next.lua") == [.text("OK")])
    }

    @Test("a yield inside a gsub callback is a clear error")
    func yieldInCallback() async throws {
        let lua = try LuaState()
        lua.registerAsync("wait") { _ in { [] } }
        let error = await #expect(throws: LuaError.self) {
            try await lua.runAsync(#"return ("abc"):gsub("%w", function(c) wait() return c end)"#, chunkName: "g.lua")
        }
        #expect(error?.message.contains("cannot wait for the API here") == true)
    }
}
