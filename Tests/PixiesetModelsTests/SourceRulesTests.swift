import Foundation
import PixiesetModels
import Testing

/// CONVENTIONS "Numbers and time": a number from outside never reaches an
/// integer conversion unchecked, because `Int64(1e300)` kills the process.
/// This reads the sources and refuses a conversion from a floating-point
/// expression written without `saturating:`, `exactly:` or `clamping:`.
@Suite("source rules")
struct SourceRulesTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    /// An integer initialiser whose argument looks like floating-point arithmetic.
    static let unchecked = try! NSRegularExpression(pattern: #"""
        \b(U?Int(8|16|32|64)?)\((?!exactly:|clamping:|truncatingIfNeeded:|bitPattern:|saturating:)[^()]*(\([^()]*\)[^()]*)*(\.rounded|timeInterval|[Ss]econds|Double\(|\*\s*1_?000|\*\s*1e|/\s*1e|\d\.\d)
        """#.trimmingCharacters(in: .whitespacesAndNewlines))

    static func findings(in text: String, file: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { number, line in
            let code = String(line)
            // A comment line, or a conversion whose line says why it is safe (`// checked: …`).
            guard !code.trimmingCharacters(in: .whitespaces).hasPrefix("//"), !code.contains("// checked:") else { return nil }
            let range = NSRange(code.startIndex..., in: code)
            return unchecked.firstMatch(in: code, range: range) == nil ? nil : "\(file):\(number + 1): \(code.trimmingCharacters(in: .whitespaces))"
        }
    }

    @Test("no unchecked float-to-integer conversion in Sources/")
    func noUncheckedConversions() throws {
        var findings: [String] = []
        let files = try #require(FileManager.default.enumerator(atPath: Self.sources.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(files.count > 50)
        for file in files {
            let text = try String(contentsOf: Self.sources.appendingPathComponent(file), encoding: .utf8)
            findings += Self.findings(in: text, file: file)
        }
        #expect(findings.isEmpty, "use Int64(saturating:), Duration.seconds(clamping:) or a checked form:\n\(findings.joined(separator: "\n"))")
    }

    @Test("the rule catches what it is for")
    func catches() {
        for line in ["let n = Int64(seconds * 1000)", "x = Int((a * 10).rounded())", "Int(date.timeIntervalSince1970)", "Int64(value * 1e6)"] {
            #expect(!Self.findings(in: line, file: "x").isEmpty, "\(line)")
        }
        for line in ["let n = Int64(saturating: seconds * 1000)", "Int(status.code)", "Int64(index + 1)", "// Int64(seconds)"] {
            #expect(Self.findings(in: line, file: "x").isEmpty, "\(line)")
        }
    }

    @Test("saturating conversions and clamped durations never trap")
    func saturating() {
        #expect(Int64(saturating: .nan) == 0 && Int64(saturating: .infinity) == .max && Int64(saturating: -1e300) == .min)
        #expect(Int64(saturating: 2.9) == 2 && Int(saturating: -2.9) == -2)
        #expect(Duration.seconds(clamping: 1e300) == .milliseconds(Int64(Duration.longestWait) * 1000))
        #expect(Duration.seconds(clamping: .nan) == .zero && Duration.seconds(clamping: -5) == .zero)
    }
}
