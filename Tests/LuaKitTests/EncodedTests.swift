import LuaKit
import Testing

/// Values encoded straight into Lua tables when pushed (`LuaValue.encoded`, issue 28).
@Suite("Encoded straight into Lua")
struct EncodedTests {
    enum Kind: String, Codable, Sendable { case client, studio }

    /// A value of each shape a `Codable` type may take.
    struct Sample: Codable, Sendable {
        struct Wrapped: Codable, Sendable {
            var inner: Attachment
            init(inner: Attachment) { self.inner = inner }
            init(from decoder: any Decoder) throws { inner = try decoder.singleValueContainer().decode(Attachment.self) }
            func encode(to encoder: any Encoder) throws {
                var single = encoder.singleValueContainer()
                try single.encode(inner)
            }
        }

        var name = "Ann \u{1F4F7}\0zero"
        var kind = Kind.client
        var big: Int64 = .max
        var ratio = 0.25
        var missing: String?
        var holes: [Int?] = [1, nil, 3]
        var nested: [[String]] = [["a"], [], ["b", "c"]]
        var counts: [String: Int] = ["x": 1, "y": 2]
        var wrapped = Wrapped(inner: Attachment(id: "att_1", file_size: 10))
        var attachments = [Attachment(id: "att_2", file_size: 20)]

        enum Keys: String, CodingKey { case name, kind, big, ratio, missing, holes, nested, counts, wrapped, attachments, extra, list, parent }

        init() {}
        init(from decoder: any Decoder) throws { fatalError("not read back") }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(name, forKey: .name)
            try c.encode(kind, forKey: .kind)
            try c.encode(big, forKey: .big)
            try c.encode(ratio, forKey: .ratio)
            try c.encodeIfPresent(missing, forKey: .missing)
            try c.encode(holes, forKey: .holes)
            try c.encode(nested, forKey: .nested)
            try c.encode(counts, forKey: .counts)
            try c.encode(wrapped, forKey: .wrapped)
            try c.encode(attachments, forKey: .attachments)
            // Containers asked for by key, filled after other fields were written.
            var extra = c.nestedContainer(keyedBy: Keys.self, forKey: .extra)
            var list = c.nestedUnkeyedContainer(forKey: .list)
            try c.encode("late", forKey: .missing)
            try extra.encode(7, forKey: .big)
            try list.encode("one")
            try list.encodeNil()
            try list.encode(Attachment(id: "att_3", file_size: 30))
            try Attachment(id: "att_4", file_size: 40).encode(to: c.superEncoder(forKey: .parent))
        }
    }

    static let marks: LuaEncoded.Adding = { value in
        (value as? Attachment).map { [("seen", .boolean(true)), ("size", .integer(Int64($0.file_size)))] }
    }

    @Test("every shape reads in Lua as the tree LuaValueEncoder builds, marks included")
    func sameAsTree() throws {
        let lua = try LuaState()
        let encoded = LuaEncoded(Sample(), adding: Self.marks)
        lua.register("sample") { _ in [.encoded(encoded)] }
        let tree = try LuaValueEncoder(adding: Self.marks).encode(Sample())
        lua.register("tree") { _ in [tree] }
        let back = try lua.run("""
            local s = sample()
            assert(math.type(s.big) == "integer" and s.ratio == 0.25 and s.missing == "late")
            assert(s.holes[1] == 1 and s.holes[2] == nil and s.holes[3] == 3)
            assert(#s.nested[2] == 0 and s.nested[3][2] == "c")
            assert(s.list[1] == "one" and s.list[2] == nil and s.list[3].seen and s.list[3].size == 30)
            -- A value encoded into a super encoder by hand is not one the encoder was given: no marks.
            assert(s.parent.id == "att_4" and s.parent.seen == nil and s.extra.big == 7)
            assert(s.wrapped.id == "att_1" and s.wrapped.seen)
            assert(#s.name == 13)
            local function same(a, b)
                if type(a) ~= "table" or type(b) ~= "table" then return a == b and math.type(a) == math.type(b) end
                for k, v in pairs(a) do if not same(v, b[k]) then return false end end
                for k in pairs(b) do if a[k] == nil then return false end end
                return true
            end
            return same(s, tree()), same(s, sample()), same(s, {})
            """, chunkName: "encoded.lua")
        #expect(back == [.boolean(true), .boolean(true), .boolean(false)])
    }

    @Test("a value Lua cannot hold (too deep, an unsigned number past Int64) is an error in the script, and the stack is left as it was")
    func failures() throws {
        let deep = Deep.nested(100)
        let lua = try LuaState()
        let tooDeep = LuaEncoded(deep), tooBig = LuaEncoded([UInt64.max])
        lua.register("deep") { _ in [.integer(1), .encoded(tooDeep)] }
        lua.register("big") { _ in [.encoded(tooBig)] }
        let back = try lua.run("""
            local before = select("#", 1, 2)
            local ok, err = pcall(deep)
            local ok2, err2 = pcall(big)
            return ok, err, ok2, err2, before
            """, chunkName: "deep.lua")
        #expect(back[0] == .boolean(false) && back[2] == .boolean(false))
        #expect(back[1].text?.contains("nested too deeply") == true, "\(back[1])")
        #expect(back[4] == .integer(2))
        #expect(throws: EncodingError.self) { try tooBig.resolved() }
    }

    @Test("a result that cannot be pushed whole is an error where the call was made, never half a table: after the API, too")
    func wholeOrNothing() async throws {
        var deep = LuaValue.integer(1)
        for _ in 0..<70 { deep = .array([deep]) }
        let table = LuaValue.map([.text("code"): .text("NOT_FOUND"), .text("message"): .text("gone"), .text("details"): deep])
        let lua = try LuaState()
        lua.register("now") { _ in [.integer(1), table] }
        lua.registerAsync("later", in: "px") { _ in { [.integer(1), table] } }
        let back = try await lua.runAsync("""
            local ok, err = pcall(now)
            local ok2, err2 = pcall(px.later)
            local after = px.later ~= nil and select("#", 1, 2, 3)
            return ok, err, ok2, err2, after
            """, chunkName: "whole.lua")
        #expect(back[0] == .boolean(false) && back[2] == .boolean(false))
        #expect(back[1].text?.contains("'now': the value is nested too deeply for Lua") == true, "\(back[1])")
        #expect(back[3].text?.contains("the value is nested too deeply for Lua") == true, "\(back[3])")
        #expect(back[4] == .integer(3))
    }

    @Test("a value past the script's memory limit stops being built there (the host may pass the limit, not by a whole answer)")
    func memoryLimit() async throws {
        let lua = try LuaState(limits: LuaLimits(maxMemory: 8 << 20))
        let rows = (0..<200_000).map { Attachment(id: "att_\($0)", file_size: $0) }
        lua.registerAsync("rows", in: "px") { _ in { [.encoded(LuaEncoded(rows))] } }
        let back = try await lua.runAsync("local ok, err = pcall(px.rows) collectgarbage() return ok, err, collectgarbage('count')", chunkName: "big.lua")
        #expect(back[0] == .boolean(false))
        #expect(back[1].text?.contains("memory limit reached: the value is larger than the script may hold") == true, "\(back[1])")
        // What was built is garbage at once: the state is back under its limit.
        if case .number(let kilobytes) = back[2] { #expect(kilobytes < 8 * 1024) } else { Issue.record("\(back[2])") }
    }
}
