import Foundation
import LuaKit
import RawTable

/// Issue 4's figures, each a ratio taken in one run.
nonisolated func runLuaBenchmarks() async throws {
    func time(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    let n = 1_000_000
    let lua = try LuaState(limits: LuaLimits(maxInstructions: .max, maxMemory: 1 << 30))
    lua.register("swift_abs") { args in [.integer(abs(try args.integer(1)))] }
    lua.register("swift_noop") { _ in [] }
    lua.registerAsync("ready") { _ in { [] } }
    lua.exposeStockPatternsForTesting()
    _ = try lua.run("function bench(f, n) for i = 1, n do f(-i) end end", chunkName: "bench.lua")
    var swiftTimes: [Double] = [], cTimes: [Double] = []
    for _ in 0..<5 {
        swiftTimes.append(try time { _ = try lua.run("bench(swift_abs, \(n))", chunkName: "b.lua") })
        cTimes.append(try time { _ = try lua.run("bench(math.abs, \(n))", chunkName: "b.lua") })
    }
    var noopTimes: [Double] = []
    for _ in 0..<5 { noopTimes.append(try time { _ = try lua.run("bench(swift_noop, \(n))", chunkName: "b.lua") }) }
    print(String(format: "  (a Swift function that reads nothing and returns nothing: %.1f ns per call)", median(noopTimes) / Double(n) * 1e9))
    let perSwift = median(swiftTimes) / Double(n) * 1e9, perC = median(cTimes) / Double(n) * 1e9
    print(String(format: "Lua → Swift function (trampoline) vs a stock C function (math.abs): %6.1f ns vs %6.1f ns per call, ratio %.2f× (goal ≤ 2×)", perSwift, perC, perSwift / perC))

    let calls = 200_000
    var asyncTimes: [Double] = [], coroutineTimes: [Double] = []
    for _ in 0..<5 {
        let start = ContinuousClock.now
        _ = try await lua.runAsync("for i = 1, \(calls) do ready() end", chunkName: "a.lua")
        let elapsed = ContinuousClock.now - start
        asyncTimes.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        coroutineTimes.append(try time {
            _ = try lua.run(
                "local co = coroutine.wrap(function() while true do coroutine.yield() end end) for i = 1, \(calls) do co() end",
                chunkName: "c.lua")
        })
    }
    let perAsync = median(asyncTimes) / Double(calls) * 1e9, perCoroutine = median(coroutineTimes) / Double(calls) * 1e9
    print(String(format: "async call completing at once (yield, host, resume) vs a bare coroutine round trip: %6.0f ns vs %6.0f ns (goal ≤ 1 µs)", perAsync, perCoroutine))

    let subject = String(repeating: "Looking forward to our session on Saturday! ", count: 20)
    lua.register("subject") { _ in [.text(subject)] }
    var budgeted: [Double] = [], stock: [Double] = []
    for _ in 0..<5 {
        budgeted.append(try time { _ = try lua.run("local s = subject() for i = 1, 20000 do string.find(s, 'Sat%a+', 1 + i % 100) string.match(s, '(%w+)!') end", chunkName: "p.lua") })
        stock.append(try time { _ = try lua.run("local s = subject() for i = 1, 20000 do __stock.find(s, 'Sat%a+', 1 + i % 100) __stock.match(s, '(%w+)!') end", chunkName: "p.lua") })
    }
    print(String(format: "budgeted pattern matcher vs stock string.find/match: %6.1f ms vs %6.1f ms, ratio %.2f× (goal ≤ 1.5×)", median(budgeted) * 1e3, median(stock) * 1e3, median(budgeted) / median(stock)))

    struct Attachment: Codable { var id: String; var filename: String; var file_size: Int; var content_type: String; var url: String }
    struct Message: Codable { var id: String; var conversation_id: String; var content: String; var sent_at: String; var sender_type: String; var sender_id: String; var read_at: String?; var attachments: [Attachment] }
    let messages = (0..<100).map { i in
        Message(id: "msg_\(i)", conversation_id: "conv_A", content: "Message number \(i) about the wedding timeline.", sent_at: "2025-08-07T10:30:00.000000Z",
                sender_type: i % 2 == 0 ? "client" : "photographer", sender_id: "cl_X", read_at: nil,
                attachments: i % 10 == 0 ? [Attachment(id: "att_\(i)", filename: "guide.pdf", file_size: 245_760, content_type: "application/pdf", url: "https://x/att")] : [])
    }
    var encodeTimes: [Double] = [], decodeTimes: [Double] = []
    var encoded = LuaValue.nil
    for _ in 0..<20 {
        encodeTimes.append(try time { encoded = try LuaValueEncoder().encode(messages) })
        decodeTimes.append(try time { _ = try LuaValueDecoder().decode([Message].self, from: encoded) })
    }
    lua.register("conversation") { _ in [encoded] }
    lua.register("codable_conversation") { _ in [try LuaValueEncoder().encode(messages)] }
    lua.registerCFunctionForTesting("raw_conversation") { raw_conversation(UnsafeMutableRawPointer($0)) }
    var pushTimes: [Double] = [], wholeTimes: [Double] = [], rawTimes: [Double] = []
    for _ in 0..<20 {
        pushTimes.append(try time { _ = try lua.run("local c = conversation() return #c", chunkName: "c.lua") })
        wholeTimes.append(try time { _ = try lua.run("local c = codable_conversation() return #c", chunkName: "c.lua") })
        rawTimes.append(try time { _ = try lua.run("local c = raw_conversation() return #c", chunkName: "c.lua") })
    }
    print(String(format: "a 100-message conversation: Codable → LuaValue %.0f µs, LuaValue → Lua table (push) %.0f µs, LuaValue → Codable %.0f µs", median(encodeTimes) * 1e6, median(pushTimes) * 1e6, median(decodeTimes) * 1e6))
    print(String(format: "  Codable → Lua table in one call %.0f µs vs the raw C API building the same table %.0f µs: %.1f× (push alone %.1f×)",
                 median(wholeTimes) * 1e6, median(rawTimes) * 1e6, median(wholeTimes) / median(rawTimes), median(pushTimes) / median(rawTimes)))

    let fresh = try LuaState()
    print(String(format: "memory: one sandboxed state %.1f KiB", Double(fresh.memoryInUse) / 1024))
    _ = try fresh.run("cos = {} for i = 1, 1000 do cos[i] = coroutine.create(function() coroutine.yield() end) coroutine.resume(cos[i]) end", chunkName: "m.lua")
    let withCoroutines = fresh.memoryInUse
    let empty = try LuaState()
    _ = try empty.run("cos = {} for i = 1, 1000 do cos[i] = false end", chunkName: "m.lua")
    print(String(format: "memory: per suspended coroutine %.0f bytes", Double(withCoroutines - empty.memoryInUse) / 1000))
}
