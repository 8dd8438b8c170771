import Foundation
import PXRuntime
@testable import PXState
import Testing

/// Every `lua` example in docs/reference.md runs, as written, against the
/// sandbox with --dry-run (`lua watch` examples are for watch).
@Suite("docs/reference.md examples run")
struct ReferenceDocTests {
    static func examples() throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/reference.md"), encoding: .utf8)
        var blocks: [String] = [], current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "```lua" { current = [] } else if line.hasPrefix("```"), let block = current {
                blocks.append(block.joined(separator: "\n"))
                current = nil
            } else if current != nil { current?.append(line) }
        }
        return blocks
    }

    @Test("every example block runs")
    func run() async throws {
        let blocks = try Self.examples()
        #expect(blocks.count >= 20)
        try await withHarness { h in
            try h.write([
                "templates/thanks.mustache": "Thank you, {{first_name}}!\n",
                "price-guide.pdf": "%PDF-1.4 a tiny stand-in\n",
            ])
            for (number, block) in blocks.enumerated() {
                do {
                    try await h.run(block, name: "example\(number + 1).lua", dryRun: true)
                } catch {
                    Issue.record("example \(number + 1) failed: \(error)\n\(block)")
                }
            }
        }
    }
}
