import Foundation
import Testing

/// docs/spec.md §3: every copy the host makes for a script counts against the
/// memory cap, and no script code runs with the cap lifted. Peak resident
/// memory of any script stays within the process's own base plus eight times
/// `--max-memory` (docs/security.md).
@Suite("memory the cap sees")
struct MemoryBoundTests {
    static let cap = 32  // MiB

    static let scripts: [String: String] = [
        "tostring": """
            local e = setmetatable({}, { __tostring = function() return string.rep("x", 1500 * 1024 * 1024) end })
            error(e)
            """,
        "json_encode": """
            local big = string.rep("x", 1 << 20)
            local list = {}
            for i = 1, 1500 do list[i] = big end
            print(#px.json.encode(list))
            """,
        "store_set": """
            local big = string.rep("x", 1 << 20)
            local list = {}
            for i = 1, 1500 do list[i] = big end
            px.store.set("k", list)
            """,
        "json_decode": """
            local text = "[" .. string.rep("1,", 6 * 1024 * 1024) .. "1]"
            print(#px.json.decode(text))
            """,
        "results": """
            local big = string.rep("x", 1 << 20)
            local list = {}
            for i = 1, 1500 do list[i] = big end
            return list
            """,
        "template": """
            local big = string.rep("x", 1 << 20)
            local list = {}
            for i = 1, 1500 do list[i] = big end
            print(#px.template.render("{{#l}}{{.}}{{/l}}", { l = list }))
            """,
    ]

    @Test("the measure is pxscript's own: a test process grown big (300 MiB touched) leaves a measured child's peak small")
    func measureIsTheChilds() async throws {
        let size = 300 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 4096)
        defer { buffer.deallocate() }
        for offset in stride(from: 0, to: size, by: 4096) { buffer.storeBytes(of: 1, toByteOffset: offset, as: UInt8.self) }
        let measured = try await measuredPxscript(["--version"])
        #expect(measured.status == 0 && measured.peakKilobytes > 0 && measured.peakKilobytes < 200 << 10, "\(measured.peakKilobytes) KiB")
        withExtendedLifetime(buffer) {}
    }

    @Test("hostile copies end with the memory limit; peak memory stays within base + 8 × --max-memory", arguments: scripts.keys.sorted())
    func bounded(name: String) async throws {
        let folder = try RunFolder(["base.lua": "return 1", "\(name).lua": Self.scripts[name]!])
        defer { folder.remove() }
        let base = try await measuredPxscript(["run", folder.path("base.lua"), "--sandbox"], environment: folder.environment())
        let outcome = try await measuredPxscript(
            ["run", folder.path("\(name).lua"), "--sandbox", "--max-memory", "\(Self.cap)M"], environment: folder.environment())
        #expect(base.peakKilobytes > 0 && outcome.peakKilobytes > 0, "the launcher reported no peak: \(outcome.stderr.suffix(300))")
        #expect(outcome.status == 1, "\(name): \(outcome.status) \(outcome.stderr.suffix(300))")
        #expect(outcome.stderr.contains("memory limit reached"), "\(name): \(outcome.stderr.suffix(300))")
        let allowed = base.peakKilobytes + 8 * Self.cap * 1024
        #expect(outcome.peakKilobytes <= allowed, "\(name): peak \(outcome.peakKilobytes / 1024) MiB, base \(base.peakKilobytes / 1024) MiB")
    }
}
