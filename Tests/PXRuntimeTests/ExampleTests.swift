import Foundation
import LuaKit
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing
import TestSupport

/// The scripts in examples/, run as a photographer would: first with
/// --dry-run, then for real, then again (which must send nothing new).
@Suite("examples/ run against the sandbox")
struct ExampleTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples")

    static func path(_ name: String) -> String { examples.appendingPathComponent(name).path }

    @Test("the examples' templates break lines only between sentences: a client's mail app wraps, a hard break mid-sentence shows as one")
    func templatesBreakBetweenSentences() throws {
        let folder = Self.examples.appendingPathComponent("templates")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".mustache") {
            let lines = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (line, next) in zip(lines, lines.dropFirst()) where !line.isEmpty && !next.isEmpty {
                #expect([",", ".", "!", "?", ":", "}"].contains(line.last.map(String.init) ?? ""), "\(name): a line ends mid-sentence: \(line)")
            }
        }
    }

    @Test("daily-followup.lua nudges the waiting clients every morning under watch, each once a week")
    func dailyFollowup() async throws {
        try await withWatch { w in
            /// Nudges sent, by conversation.
            func nudges() throws -> [String: Int] {
                Dictionary(grouping: try w.sandbox.database.allMessages().filter { $0.content.hasPrefix("Hi ") && $0.content.contains("Just checking in about") },
                           by: \.conversationID).mapValues(\.count)
            }
            let start = ISOTime.parse(testNow)!  // Sunday 1 March, 09:00 UTC
            try await w.daemon(path: Self.path("daily-followup.lua")) { loop in
                let monday = await loop.advance(to: start.addingTimeInterval(86_400 + 30)).schedules
                #expect(monday.ran == ["name:morning nudge"] && monday.failed.isEmpty, "\(w.log.all)")
                let first = try nudges()
                #expect(!first.isEmpty)
                // Tuesday morning: the clients nudged on Monday are not nudged again within the week (others
                // waiting three days by then are).
                let tuesday = await loop.advance(to: start.addingTimeInterval(2 * 86_400 + 30)).schedules
                #expect(tuesday.ran == ["name:morning nudge"])
                let second = try nudges()
                #expect(second.values.allSatisfy { $0 == 1 }, "\(second)")
                #expect(first.keys.allSatisfy { second[$0] == 1 })
            }
        }
    }

    @Test("followup.lua nudges each waiting client once a week, and plans the same in a dry run")
    func followup() async throws {
        try await withHarness { h in
            let before = try h.messages().count
            let plan = try await h.runFile(Self.path("followup.lua"), dryRun: true).plan
            #expect(!plan.isEmpty)
            #expect(try h.messages().count == before)
            let nudged = try await h.runFile(Self.path("followup.lua")).results
            #expect(nudged == [String(plan.count)])
            let sent = try h.messages().dropFirst(before)
            #expect(sent.count == plan.count)
            #expect(sent.allSatisfy { $0.content.hasPrefix("Hi ") && $0.content.contains("Maple & Light Photography") && !$0.content.hasSuffix("\n") })
            #expect(try await h.runFile(Self.path("followup.lua")).results == ["0"])
            #expect(try h.messages().count == before + plan.count)
        }
    }

    @Test("outreach.lua sends the announcement with its PDF to each chosen client exactly once")
    func outreach() async throws {
        try await withHarness { h in
            let before = try h.messages().count, attachments = try h.sandbox.database.counts().attachments
            let plan = try await h.runFile(Self.path("outreach.lua"), dryRun: true).plan
            #expect(!plan.isEmpty && plan.allSatisfy { $0.attachments == ["Spring Mini Sessions.pdf"] })
            #expect(try h.sandbox.database.counts().attachments == attachments)
            let results = try await h.runFile(Self.path("outreach.lua")).results
            #expect(results == [String(plan.count), "0"])
            #expect(try h.messages().count == before + plan.count)
            #expect(try h.sandbox.database.counts().attachments == attachments + plan.count)
            // Run again: the campaign key skips everyone.
            _ = try await h.runFile(Self.path("outreach.lua"))
            #expect(try h.messages().count == before + plan.count)
        }
    }

    @Test("unread-digest.lua lists the conversations with unread messages and sends nothing")
    func digest() async throws {
        try await withHarness { h in
            let before = try h.messages().count
            #expect(try await h.runFile(Self.path("unread-digest.lua")).results == ["4"])
            #expect(try await h.runFile(Self.path("unread-digest.lua"), dryRun: true).plan.isEmpty)
            #expect(try h.messages().count == before)
        }
    }

    @Test("every example, and its scenario file, passes pxscript check without warnings")
    func checked() throws {
        let scripts = ["followup.lua", "outreach.lua", "unread-digest.lua", "autoreply.lua", "vacation.lua", "after-hours.lua", "welcome.lua"]
        for name in scripts + scripts.map { $0.replacingOccurrences(of: ".lua", with: "_test.lua") } {
            let warnings = try ScriptCheck.run(scriptPath: Self.path(name), policy: try .init(scriptFolder: Self.examples.path))
            #expect(warnings.isEmpty, "\(name): \(warnings)")
        }
    }
}
