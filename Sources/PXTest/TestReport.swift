import Foundation
import PixiesetModels

/// What `pxscript test` prints: a line per scenario (with the failure's
/// report under it), TAP, or JUnit XML (`--format`).
public enum TestReport {
    public enum Format: String, Sendable, CaseIterable {
        case text, tap, junit
    }

    /// A scenario file that did not load.
    public struct Broken: Sendable {
        public let file: String
        public let error: String
        public init(file: String, error: String) {
            self.file = file
            self.error = error
        }
    }

    public static func render(_ outcomes: [ScenarioOutcome], broken: [Broken], format: Format) -> String {
        switch format {
        case .text: text(outcomes, broken: broken)
        case .tap: tap(outcomes, broken: broken)
        case .junit: junit(outcomes, broken: broken)
        }
    }

    /// One line per scenario, the failures' reports indented under theirs, then a count.
    public static func line(_ outcome: ScenarioOutcome) -> String {
        // Names, sent texts and logs come from scenario files and scripts: escaped for the terminal, line by line.
        let name = TerminalText.escaped(outcome.name), file = TerminalText.escaped((outcome.file as NSString).lastPathComponent)
        var lines = ["\(outcome.passed ? "ok  " : "FAIL") \(name)  (\(file), \(String(format: "%.2f", outcome.seconds)) s)"]
        if let failure = outcome.failure {
            lines += failure.split(separator: "\n", omittingEmptySubsequences: false).map { "     " + TerminalText.escaped(String($0)) }
            if !outcome.notes.isEmpty { lines.append("     the scripts logged:") }
            lines += outcome.notes.map { "       " + TerminalText.escapedKeepingLines($0, indent: "         ") }
        }
        return lines.joined(separator: "\n")
    }

    /// The line a file that does not load gets.
    public static func line(_ broken: Broken) -> String {
        "FAIL \(TerminalText.escaped(broken.file)) does not load: \(TerminalText.escapedKeepingLines(broken.error, indent: "     "))"
    }

    /// `8 passed, 1 failed`, and the files that did not load.
    public static func summary(_ outcomes: [ScenarioOutcome], broken: [Broken]) -> String {
        let failed = outcomes.filter { !$0.passed }.count
        return "\(outcomes.count - failed) passed, \(failed) failed" + (broken.isEmpty ? "" : ", \(broken.count) file(s) did not load")
    }

    static func text(_ outcomes: [ScenarioOutcome], broken: [Broken]) -> String {
        (outcomes.map(line) + broken.map(line) + [summary(outcomes, broken: broken)]).joined(separator: "\n")
    }

    static func tap(_ outcomes: [ScenarioOutcome], broken: [Broken]) -> String {
        var lines = ["TAP version 13", "1..\(outcomes.count + broken.count)"]
        for (number, outcome) in outcomes.enumerated() {
            lines.append("\(outcome.passed ? "ok" : "not ok") \(number + 1) - \(TerminalText.escaped(outcome.name))")
            if let failure = outcome.failure { lines += yaml(failure) }
        }
        for (number, file) in broken.enumerated() {
            lines.append("not ok \(outcomes.count + number + 1) - \(TerminalText.escaped(file.file)) does not load")
            lines += yaml(file.error)
        }
        return lines.joined(separator: "\n")
    }

    private static func yaml(_ message: String) -> [String] {
        ["  ---", "  message: |"] + message.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 } + ["  ..."]
    }

    static func junit(_ outcomes: [ScenarioOutcome], broken: [Broken]) -> String {
        let failures = outcomes.filter { !$0.passed }.count + broken.count
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<testsuite name="pxscript test" tests="\#(outcomes.count + broken.count)" failures="\#(failures)">"#,
        ]
        for outcome in outcomes {
            let open = #"  <testcase classname="\#(escape(outcome.file))" name="\#(escape(outcome.name))" time="\#(String(format: "%.3f", outcome.seconds))""#
            guard let failure = outcome.failure else {
                lines.append(open + "/>")
                continue
            }
            lines.append(open + ">")
            lines.append(#"    <failure message="\#(escape(String(failure.prefix(200))))">\#(escape(failure))</failure>"#)
            lines.append("  </testcase>")
        }
        for file in broken {
            lines.append(#"  <testcase classname="\#(escape(file.file))" name="load"><error message="\#(escape(file.error))"/></testcase>"#)
        }
        lines.append("</testsuite>")
        return lines.joined(separator: "\n")
    }

    /// XML text (a character XML 1.0 refuses shows as `?`).
    static func escape(_ text: String) -> String { XMLText.escaped(text, replacingRefused: "?") }
}
