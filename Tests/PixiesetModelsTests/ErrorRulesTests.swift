import Foundation
import Testing

/// Errors are told apart by their type and cases, never by their words, and a new case of
/// the client's error is met by every switch (docs/decisions/0013-errors-by-type.md).
@Suite("error rules")
struct ErrorRulesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func sources() throws -> [(file: String, lines: [String])] {
        let sources = root.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        return try files.map { ($0, try String(contentsOf: sources.appendingPathComponent($0), encoding: .utf8).components(separatedBy: "\n")) }
    }

    /// The body of the `switch` opening at `start` (to its closing brace), by brace count.
    static func switchBody(_ lines: [String], from start: Int) -> ArraySlice<String> {
        var depth = 0, end = start
        for index in start..<lines.count {
            for character in lines[index] where character == "{" || character == "}" { depth += character == "{" ? 1 : -1 }
            end = index
            if depth <= 0, index > start || lines[index].contains("}") { break }
        }
        return lines[start...end]
    }

    /// Switches over `PixiesetError`: `switch x as? PixiesetError`, or `switch x` where the three lines
    /// before make `x` one (`x: PixiesetError`, `let x as PixiesetError`).
    static func defaultsInPixiesetErrorSwitches(_ file: String, _ lines: [String]) -> [String] {
        let subject = try! NSRegularExpression(pattern: #"switch (\w+) \{"#)
        var findings: [String] = []
        for (index, line) in lines.enumerated() {
            var over = line.contains("switch") && line.contains("PixiesetError")
            if let match = subject.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
               let name = Range(match.range(at: 1), in: line).map({ String(line[$0]) }) {
                over = over || lines[max(0, index - 3)..<index].contains {
                    $0.contains("\(name): PixiesetError") || $0.contains("let \(name) as PixiesetError") || $0.contains("let \(name) as? PixiesetError")
                }
            }
            guard over else { continue }
            let start = index
            // Only the switch's own cases: nested switches are checked on their own.
            var depth = 0
            for (offset, body) in switchBody(lines, from: start).enumerated() {
                if depth == 1, body.trimmingCharacters(in: .whitespaces).hasPrefix("default") { findings.append("\(file):\(start + offset + 1)") }
                for character in body where character == "{" || character == "}" { depth += character == "{" ? 1 : -1 }
            }
        }
        return findings
    }

    @Test("every switch over PixiesetError names its cases: a new one cannot fall silently into default")
    func exhaustive() throws {
        var findings: [String] = []
        for (file, lines) in try Self.sources() { findings += Self.defaultsInPixiesetErrorSwitches(file, lines) }
        #expect(findings.isEmpty, "\(findings.joined(separator: "\n"))")
        // The rule sees what it is for.
        let sample = ["switch error as? PixiesetError {", "case .api?: true", "default: false", "}"]
        #expect(Self.defaultsInPixiesetErrorSwitches("x", sample) == ["x:3"])
        let typed = ["static func own(_ error: PixiesetError) -> Bool {", "    switch error {", "    case .api: true", "    default: false", "    }", "}"]
        #expect(Self.defaultsInPixiesetErrorSwitches("y", typed) == ["y:4"])
    }

    @Test("no error is classified by the words of its description")
    func notByText() throws {
        var findings: [String] = []
        let words = try NSRegularExpression(pattern: #"(String\(describing: error\)|"\\\(error\)"|error\.localizedDescription|typeName)[^\n]*\.(contains|hasPrefix|hasSuffix|range)\("#)
        for (file, lines) in try Self.sources() { findings += Self.textClassifications(file, lines, words) }
        #expect(findings.isEmpty, "\(findings.joined(separator: "\n"))")
        // The rule sees what it is for: in one expression, or through a variable holding the words.
        let sample = ["let words = String(describing: error).lowercased()", "if x { }", #"if words.contains("refused") { return 1 }"#]
        #expect(Self.textClassifications("x", sample, words) == [#"x:3: if words.contains("refused") { return 1 }"#])
        #expect(Self.textClassifications("x", [#"if "\(error)".contains("tls") {"#], words).count == 1)
    }

    /// Lines that test an error's words: directly, or through a variable given them within the 10 lines before.
    static func textClassifications(_ file: String, _ lines: [String], _ words: NSRegularExpression) -> [String] {
        let holder = try! NSRegularExpression(pattern: #"let (\w+) = (String\(describing: error\)|"\\\(error\)")"#)
        var findings: [String] = []
        for (index, line) in lines.enumerated() {
            var hit = words.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil
            for earlier in lines[max(0, index - 10)..<index] {
                guard let match = holder.firstMatch(in: earlier, range: NSRange(earlier.startIndex..., in: earlier)),
                      let name = Range(match.range(at: 1), in: earlier).map({ String(earlier[$0]) }) else { continue }
                if line.contains(name + ".contains(") || line.contains(name + ".hasPrefix(") { hit = true }
            }
            if hit { findings.append("\(file):\(index + 1): \(line.trimmingCharacters(in: .whitespaces))") }
        }
        return findings
    }
}
