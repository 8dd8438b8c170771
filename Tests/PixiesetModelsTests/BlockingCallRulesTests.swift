import Foundation
import Testing

/// Issue 33: nothing blocks a thread of Swift's cooperative pool. On a two-core machine the pool
/// has two threads; two blocked calls stop every task of the process (polls, other scripts, the
/// courier, the dashboard). This reads the sources and refuses the calls that put a thread to
/// sleep or wait for another: a wait goes through `Task.sleep`, the runtime's clock, GRDB's async
/// writes (never its async reads: `noAwaitedReads`), a termination handler, or `StateThreads` (pxscript's own threads). A line that must block
/// says why in a `// blocking:` comment on it or in the comment block just above.
@Suite("source rules: no blocking call on an async path")
struct BlockingCallRulesTests {
    static let sources = SourceRulesTests.sources

    /// Calls that block the calling thread.
    static let blocking = try! NSRegularExpression(pattern: #"""
        (?<!func )(?<![\w.])(usleep|nanosleep|sleep|sqlite3_sleep)\(|Thread\.sleep|\.waitUntilExit\(|DispatchSemaphore|\.wait\((timeout:[^)]*)?\)|readDataToEndOfFile|\bwaitpid\(|\bwait4\([^)]*,\s*0\s*,
        """#.trimmingCharacters(in: .whitespacesAndNewlines))

    static func findings(in text: String, file: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return lines.enumerated().compactMap { number, code in
            let trimmed = code.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("//"), !code.contains("// blocking:") else { return nil }
            // The comment block just above may say it.
            var above = number - 1
            while above >= 0, lines[above].trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                if lines[above].contains("// blocking:") { return nil }
                above -= 1
            }
            let range = NSRange(code.startIndex..., in: code)
            return blocking.firstMatch(in: code, range: range) == nil ? nil : "\(file):\(number + 1): \(trimmed)"
        }
    }

    @Test("no sleeping or waiting call in Sources/ unless it says why it may block")
    func noBlockingCalls() throws {
        var findings: [String] = []
        let files = try #require(FileManager.default.enumerator(atPath: Self.sources.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(files.count > 50)
        for file in files {
            findings += Self.findings(in: try String(contentsOf: Self.sources.appendingPathComponent(file), encoding: .utf8), file: file)
        }
        #expect(findings.isEmpty, "wait with Task.sleep, the runtime's clock, GRDB's async writes, a termination handler or StateThreads:\n\(findings.joined(separator: "\n"))")
    }

    /// An awaited GRDB read: `await pool.read { }` (or a queue's, or `readWithoutTransaction`).
    static let awaitedRead = try! NSRegularExpression(pattern: #"await\s+[\w.()]*\.(read|unsafeRead|readWithoutTransaction|unsafeReentrantRead)\s*[{(]"#)

    /// GRDB's async read keeps its reader (of five) until the awaiting task resumes, on that task's
    /// executor. Where a synchronous read of the same pool waits on that executor for a free reader
    /// (the daemon's handlers share one thread), neither ever goes on: CI hung for 90 minutes so.
    /// Reads are synchronous, on the threads the code already runs on; async writes keep nothing.
    @Test("no awaited read of a database: a synchronous read waiting for its reader would wait forever")
    func noAwaitedReads() throws {
        var findings: [String] = []
        let files = try #require(FileManager.default.enumerator(atPath: Self.sources.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        for file in files {
            let lines = try String(contentsOf: Self.sources.appendingPathComponent(file), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (number, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                let code = String(line)
                if Self.awaitedRead.firstMatch(in: code, range: NSRange(code.startIndex..., in: code)) != nil {
                    findings.append("\(file):\(number + 1): \(code.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(findings.isEmpty, "read synchronously (pool.read { }):\n\(findings.joined(separator: "\n"))")
        for line in ["let open = try await pool.read { db in", "try await store.pool.read({ db in 1 })", "return try await queue().read { db in"] {
            #expect(Self.awaitedRead.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil, "\(line)")
        }
        for line in ["let open = try pool.read { db in", "try await pool.write { db in", "try await writes.write { db in", "await reader.readNext()"] {
            #expect(Self.awaitedRead.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) == nil, "\(line)")
        }
    }

    @Test("the rule catches what it is for")
    func catches() {
        for line in [
            "usleep(UInt32(20_000 * attempt))", "Thread.sleep(forTimeInterval: 1)", "process.waitUntilExit()", "let s = DispatchSemaphore(value: 0)",
            "group.wait()", "_ = group.wait(timeout: .now() + 5)", "sleep(1)", "let data = pipe.fileHandleForReading.readDataToEndOfFile()",
            "while wait4(pid, &raw, 0, &usage) < 0 {}",
        ] {
            #expect(!Self.findings(in: line, file: "x").isEmpty, "\(line)")
        }
        for line in [
            "try await Task.sleep(for: delay)", "await clock.sleep(until: wake, polls: grid)", "// usleep(1)", "usleep(1) // blocking: at start-up only",
            "px.sleep(2)", "func sleep(until wake: Date?) async -> Bool {", "wait4(pid, &raw, WNOHANG, &usage)", "await courier.waitForIdle()",
        ] {
            #expect(Self.findings(in: line, file: "x").isEmpty, "\(line)")
        }
    }
}
