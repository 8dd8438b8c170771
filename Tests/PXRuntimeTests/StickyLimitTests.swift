import Foundation
import LuaKit
import PXRuntime
@testable import PXState
import Testing

/// docs/spec.md §3: a limit once hit ends the run, whichever way code is called:
/// pcall cannot swallow it, and neither can px.map; px.map items spend the
/// run's one budget; run has a wall-clock limit.
@Suite("limits stick for the whole run")
struct StickyLimitTests {
    static let spend = "local n = 0 for i = 1, 400000 do n = n + i end return n"

    @Test("px.map items spend the run's budget: ten items of 400,000 instructions pass a 2,000,000 budget")
    func oneBudget() async throws {
        try await withHarness { h in
            let error = await runError {
                _ = try await h.run("""
                    local ok = pcall(px.map, { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, function() \(Self.spend) end, { concurrency = 2 })
                    print("carried on after px.map")
                    """, limits: LuaLimits(maxInstructions: 2_000_000))
            }
            guard case .script(let message, _)? = error else { Issue.record("\(String(describing: error))"); return }
            #expect(message.contains("instruction limit reached"), "\(message)")
        }
    }

    @Test("an item's limit is not an item error: pcall around px.map does not carry on")
    func notSwallowed() async throws {
        try await withHarness { h in
            let error = await runError {
                _ = try await h.run("""
                    local ok, results, errors = pcall(px.map, { 1, 2 }, function(n) if n == 2 then while true do end end return n end)
                    error("carried on: " .. tostring(ok))
                    """, limits: LuaLimits(maxInstructions: 3_000_000))
            }
            guard case .script(let message, _)? = error else { Issue.record("\(String(describing: error))"); return }
            #expect(message.contains("instruction limit reached") && !message.contains("carried on"), "\(message)")
        }
    }

    @Test("a limit hit inside __tostring says which limit")
    func insideToString() async throws {
        try await withHarness { h in
            let error = await runError {
                _ = try await h.run("""
                    local e = setmetatable({}, { __tostring = function() while true do end end })
                    error(e)
                    """, limits: LuaLimits(maxInstructions: 1_000_000))
            }
            let text = String(describing: error)
            #expect(text.contains("instruction limit reached") && !text.contains("invalid option"), "\(text)")
        }
    }
}
