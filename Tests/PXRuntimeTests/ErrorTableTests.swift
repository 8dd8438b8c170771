import LuaKit
@testable import PixiesetKit
import PixiesetModels
@testable import PXRuntime
@testable import PXState
import Testing
import TestSupport

/// A server's error reaches the script whole, whatever its `details` hold.
@Suite("px error tables from hostile error bodies")
struct ErrorTableTests {
    @Test("details nested past what Lua holds are cut: code, status and message are there every time (they came out at random)")
    func deepDetails() throws {
        var details = JSONFragment.integer(1)
        for _ in 0..<70 { details = .array([details]) }
        let error = PixiesetError.api(APIError(status: 404, code: "CONVERSATION_NOT_FOUND", message: "Conversation not found", details: details))
        let lua = try LuaState()
        lua.register("fail") { _ in throw PxError.from(error) }
        for _ in 0..<5 {
            let back = try lua.run("""
                local ok, e = pcall(fail)
                local depth, d = 0, e.details
                while type(d) == "table" do depth, d = depth + 1, d[1] end
                return ok, e.code, e.status, e.message, depth
                """, chunkName: "e.lua")
            #expect(back == [.boolean(false), .text("CONVERSATION_NOT_FOUND"), .integer(404), .text("Conversation not found"), .integer(48)])
        }
    }
}

/// A conversation no decoder reads is left out of what a script gets, and said: never silently.
@Suite("unreadable conversations in a script's lists")
struct UnreadableListTests {
    @Test("list names it in page.unreadable and the log; each and awaiting say it in the log; the others are all there")
    func said() async throws {
        try await withHarness(quirks: "hostile_details") { h in
            let values = try await h.values("""
                local page = px.conversations.list{ page_size = 100 }
                local walked = 0
                for _ in px.conversations.each{} do walked = walked + 1 end
                return #page.data, #(page.unreadable or {}), walked, page.meta.total
                """)
            let total = try #require(Int(values[3]))
            #expect(values.prefix(3) == ["\(total - 1)", "1", "\(total - 1)"], "\(values)")
            let warnings = h.log.all.filter { $0.contains("could not be read and was left out: conv_") }
            #expect(warnings.count == 2, "\(h.log.all)")
        }
    }
}

/// A walk over conversations holds a page in the host: it is let go when its loop ends or its iterator is dropped.
@Suite("conversation walks are let go")
struct WalkLifetimeTests {
    @Test("iterators dropped in a loop, and loops left by break, hold nothing: thousands run where 1,000 at once are refused")
    func letGo() async throws {
        try await withHarness { h in
            let values = try await h.values("""
                for i = 1, 1100 do local it = px.conversations.each{} end
                for i = 1, 1050 do for c in px.conversations.each{ page_size = 1 } do break end end
                local kept = {}
                local ok, err = pcall(function() for i = 1, 1001 do kept[i] = px.conversations.each{} end end)
                return ok, err
                """)
            #expect(values.first == "false")
            #expect(values.last?.contains("more than 1000 conversation walks (px.conversations.each, awaiting) open at once") == true, "\(values)")
        }
    }
}
