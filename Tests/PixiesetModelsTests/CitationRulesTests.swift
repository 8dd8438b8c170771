import Foundation
import Testing

/// The code cites what a reader of the repository can open: `docs/spec.md §N` and
/// `docs/decisions/`, never an issue number; and no two paths differ only in case
/// (they would merge on macOS's default file system).
@Suite("citations and paths")
struct CitationRulesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func files(under folder: String, endingWith suffixes: [String]) throws -> [(path: String, text: String)] {
        let base = root.appendingPathComponent(folder)
        let names = try #require(FileManager.default.enumerator(atPath: base.path)).compactMap { $0 as? String }
        return try names.filter { name in suffixes.contains { name.hasSuffix($0) } }.map {
            ("\(folder)/\($0)", try String(contentsOf: base.appendingPathComponent($0), encoding: .utf8))
        }
    }

    static func matches(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: match.numberOfRanges > 1 ? 1 : 0), in: text).map { String(text[$0]) }
        }
    }

    @Test("Sources cite docs/spec.md sections that exist and decisions that exist, never an issue number")
    func citations() throws {
        let sources = try Self.files(under: "Sources", endingWith: [".swift", ".c", ".h"])
        #expect(sources.count > 100)
        let spec = try String(contentsOf: Self.root.appendingPathComponent("docs/spec.md"), encoding: .utf8)
        let sections = Set(Self.matches(#"(?m)^## (\d+)\."#, in: spec))
        let decisions = Set(try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs/decisions").path)
            .map { String($0.prefix(4)) })
        var problems: [String] = []
        for (path, text) in sources {
            for issue in Self.matches(#"\b[Ii]ssues? \d+"#, in: text) { problems.append("\(path): cites \(issue)") }
            for section in Self.matches(#"docs/spec\.md §(\d+)"#, in: text) where !sections.contains(section) {
                problems.append("\(path): docs/spec.md has no §\(section)")
            }
            for number in Self.matches(#"decisions?/? ?(\d{4})"#, in: text) where !decisions.contains(number) {
                problems.append("\(path): no decision \(number) in docs/decisions/")
            }
            if text.contains("SPEC §") { problems.append("\(path): cites SPEC §, which is not in the repository (docs/spec.md is)") }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(sections == Set((1...9).map(String.init)))
    }

    @Test("no two paths of the repository differ only in case")
    func caseDistinct() throws {
        let listing = Process()
        listing.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        listing.arguments = ["git", "-C", Self.root.path, "ls-files"]
        let pipe = Pipe()
        listing.standardOutput = pipe
        try listing.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        listing.waitUntilExit()  // blocking: a test's own child, already at its end (its output was read to EOF)
        let paths = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(paths.count > 100)
        // Every path and every folder on the way.
        var all = Set<String>()
        for path in paths {
            var parts: [Substring] = []
            for part in path.split(separator: "/") {
                parts.append(part)
                all.insert(parts.joined(separator: "/"))
            }
        }
        let clashes = Dictionary(grouping: all, by: { $0.lowercased() }).values.filter { $0.count > 1 }.map { $0.sorted().joined(separator: " / ") }
        #expect(clashes.isEmpty, "\(clashes.sorted().joined(separator: "\n"))")
    }
}
