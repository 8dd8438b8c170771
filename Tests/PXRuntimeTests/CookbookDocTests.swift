import Foundation
import Testing

/// docs/cookbook.md explains the scripts of examples/ (run by ExampleTests):
/// each recipe shows its whole script as the file has it, and every piece
/// explained is taken from that script, so no snippet uses what the page never
/// defined (a newcomer met one that did).
@Suite("docs/cookbook.md matches examples/")
struct CookbookDocTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `lua` blocks of each recipe, by the example file its heading names.
    static func recipes() throws -> [(file: String, blocks: [String])] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/cookbook.md"), encoding: .utf8)
        var recipes: [(file: String, blocks: [String])] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                let file = line.split(separator: "`").first { $0.hasPrefix("examples/") && $0.hasSuffix(".lua") }
                recipes.append((file.map(String.init) ?? "", []))
            } else if line == "```lua" {
                current = []
            } else if line.hasPrefix("```"), let block = current {
                if !recipes.isEmpty { recipes[recipes.count - 1].blocks.append(block.joined(separator: "\n")) }
                current = nil
            } else if current != nil {
                current?.append(line)
            }
        }
        return recipes.filter { !$0.file.isEmpty && !$0.blocks.isEmpty }
    }

    @Test("each recipe opens with its whole script, and each piece explained is a run of its lines")
    func matches() throws {
        let recipes = try Self.recipes()
        #expect(recipes.count >= 4)
        for recipe in recipes {
            let script = try String(contentsOf: Self.root.appendingPathComponent(recipe.file), encoding: .utf8)
            #expect(recipe.blocks.first == script.trimmingCharacters(in: .newlines), "\(recipe.file): the first block is not the whole script")
            let lines = script.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for block in recipe.blocks.dropFirst() {
                // A line of `...` leaves lines out: the parts around it come in the script's order.
                var from = 0, found = true
                for part in block.split(separator: "\n", omittingEmptySubsequences: false).split(whereSeparator: { $0.trimmingCharacters(in: .whitespaces) == "..." }) {
                    let piece = part.map(String.init)
                    guard let at = (from...max(from, lines.count - piece.count)).first(where: {
                        $0 + piece.count <= lines.count && Array(lines[$0..<($0 + piece.count)]) == piece
                    }) else { found = false; break }
                    from = at + piece.count
                }
                #expect(found, "\(recipe.file): this piece is not in the script:\n\(block)")
            }
        }
    }
}
