import Foundation
import LuaKit
import PXRuntime
@testable import PXState
import Testing

/// docs/spec.md §3: template rendering counts against the run's limits, partial
/// depth is limited, and template files have a size limit.
@Suite("templates within the run's limits")
struct TemplateLimitTests {
    @Test("a partial that includes itself, directly or through another, is refused with the chain")
    func selfInclusion() async throws {
        try await withHarness { h in
            try h.write(["loop.mustache": "again {{> loop}}", "a.mustache": "{{> b}}", "b.mustache": "{{> a}}"])
            let values = try await h.values("""
                local ok1, e1 = pcall(px.template.render, "{{> loop}}", {})
                local ok2, e2 = pcall(px.template.render, "{{> a}}", {})
                return e1, e2
                """)
            #expect(values[0].contains("the partial 'loop' includes itself (template > loop > loop)"), "\(values[0])")
            #expect(values[1].contains("includes itself (template > a > b > a)"), "\(values[1])")
        }
    }

    @Test("nested sections over a list end at the instruction limit, and it sticks")
    func nestedSections() async throws {
        try await withHarness { h in
            let error = await runError {
                _ = try await h.run("""
                    local list = {}
                    for i = 1, 100 do list[i] = i end
                    local t = string.rep("{{#l}}", 7) .. "x" .. string.rep("{{/l}}", 7)
                    pcall(px.template.render, t, { l = list })
                    error("carried on")
                    """, limits: LuaLimits(maxInstructions: 5_000_000))
            }
            guard case .script(let message, _)? = error else { Issue.record("\(String(describing: error))"); return }
            #expect(message.contains("instruction limit reached"), "\(message)")
        }
    }

    @Test("output beyond the memory cap ends with the memory limit")
    func bigOutput() async throws {
        try await withHarness { h in
            let error = await runError {
                _ = try await h.run("""
                    local big = string.rep("x", 1 << 20)
                    local list = {}
                    for i = 1, 1500 do list[i] = big end
                    px.template.render("{{#l}}{{.}}{{/l}}", { l = list })
                    """, limits: LuaLimits(maxMemory: 32 << 20))
            }
            let text = String(describing: error)
            #expect(text.contains("memory limit reached"), "\(text)")
        }
    }

    @Test("a template file over 1 MiB is refused; ordinary templates render as before")
    func fileSize() async throws {
        try await withHarness { h in
            try h.write(["huge.txt": String(repeating: "x", count: (1 << 20) + 10), "hi.txt": "Hi {{name}}!\n", "sig.mustache": "-- {{studio}}"])
            let values = try await h.values("""
                local ok, e = pcall(px.template.file, "huge.txt", {})
                return e, px.template.file("hi.txt", { name = "Ana" }), px.template.render("{{#xs}}{{.}},{{/xs}} {{> sig}}", { xs = { 1, 2 }, studio = "M&L" })
                """)
            #expect(values[0].contains("larger than 1 MiB"), "\(values[0])")
            #expect(Array(values[1...]) == ["Hi Ana!", "1,2, -- M&L"])
        }
    }
}
