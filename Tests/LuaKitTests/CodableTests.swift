import LuaKit
import Testing

struct Attachment: Codable, Equatable {
    var id: String
    var file_size: Int
}

struct Message: Codable, Equatable {
    var id: String
    var content: String
    var sent_at: String
    var read_at: String?
    var score: Double
    var attachments: [Attachment]
    var tags: [String]
}

@Suite("Codable ↔ Lua tables, no JSON in between")
struct CodableTests {
    let sample = Message(
        id: "msg_1", content: "Smith & Co \u{1F4F7}", sent_at: "2025-08-07T10:30:00.000000Z", read_at: nil, score: 0.5,
        attachments: [Attachment(id: "att_1", file_size: 245_760)], tags: [])

    @Test("a message goes to Lua, is changed by a script, and comes back")
    func roundTrip() throws {
        let lua = try LuaState()
        let value = try LuaValueEncoder().encode(sample)
        lua.register("message") { _ in [value] }
        let back = try lua.run("""
            local m = message()
            assert(math.type(m.attachments[1].file_size) == "integer")
            assert(m.read_at == nil and #m.tags == 0)
            m.content = m.content .. "!"
            m.tags[#m.tags + 1] = "vip"
            return m
            """, chunkName: "codable.lua")
        var expected = sample
        expected.content += "!"
        expected.tags = ["vip"]
        #expect(try LuaValueDecoder().decode(Message.self, from: back[0]) == expected)
    }

    @Test("an empty table is an empty array or map as the type asks; holes are nil")
    func ambiguities() throws {
        let lua = try LuaState()
        let values = try lua.run("return {}, {1, nil, 3}", chunkName: "x.lua")
        #expect(try LuaValueDecoder().decode([Int].self, from: values[0]) == [])
        #expect(try LuaValueDecoder().decode([String: Int].self, from: values[0]) == [:])
        #expect(try LuaValueDecoder().decode([Int?].self, from: values[1]) == [1, nil, 3])
    }

    @Test("wrong shapes are errors that name the path")
    func errors() throws {
        let lua = try LuaState()
        let bad = try lua.run("return {id = 'm', content = 5, sent_at = 'x', score = 1, attachments = {}, tags = {}}", chunkName: "e.lua")
        let error = #expect(throws: DecodingError.self) { try LuaValueDecoder().decode(Message.self, from: bad[0]) }
        #expect(error.map(LuaValueDecoder.describe) == "content: expected a string, got number")
        let nested = try lua.run("return {id = 'm', content = 'c', sent_at = 'x', score = 1, attachments = {{id = 'a', file_size = 1.5}}, tags = {}}", chunkName: "e.lua")
        let nestedError = #expect(throws: DecodingError.self) { try LuaValueDecoder().decode(Message.self, from: nested[0]) }
        #expect(nestedError.map(LuaValueDecoder.describe) == "attachments[1].file_size: expected an integer, got number")
    }

    @Test("cycles and excessive depth are errors, never a crash")
    func cycles() throws {
        let lua = try LuaState()
        let cyclic = try lua.run("local t = {} t.self = t return t", chunkName: "c.lua")
        #expect(throws: DecodingError.self) { try LuaValueDecoder().decode([String: [String: String]].self, from: cyclic[0]) }
        let deep = Deep.nested(100)
        #expect(throws: EncodingError.self) { try LuaValueEncoder().encode(deep) }
    }
}

/// A value nested `levels` deep (arrays in arrays), past what Lua tables hold.
indirect enum Deep: Encodable, Sendable {
    case leaf, node(Deep)

    static func nested(_ levels: Int) -> Deep { (0..<levels).reduce(Deep.leaf) { inner, _ in .node(inner) } }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        if case .node(let inner) = self { try container.encode(inner) }
    }
}
