import Foundation
import PixiesetKit
import PXConfig
import PXNotify
import Testing
import TestSupport

/// Issue 28, class 5: a notification command is judged by its own exit, and stopped with its group.
@Suite("Notification commands: their own exit decides")
struct NoticeCommandTests {
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notice-cmd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("a command that exits 0 at once but leaves a child holding its output is delivered, once, without waiting for the child")
    func backgroundChild() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Shorter than the child's 30 s, long enough for a loaded machine to start a shell.
        let sender = NoticeSender(timeout: 20)
        defer { Task { await sender.shutdown() } }
        // The child keeps the command's standard error open for 30 s.
        try await sender.deliver(
            Notice(kind: .test, title: "t", text: "hello", at: Date()),
            to: NoticeTarget(.command(["/bin/sh", "-c", "cat >> '\(folder)/out'; (sleep 30 &); exit 0"])))
        // Delivered, not "no answer within 20 s" (the old code waited for the child, which holds the output for 30 s).
        #expect(try String(contentsOfFile: folder + "/out", encoding: .utf8).components(separatedBy: "hello").count == 2)
    }

    @Test("a command that exits without reading its input ends no process: the write's SIGPIPE is the writer's thread's, blocked")
    func unreadInput() async throws {
        let sender = NoticeSender(timeout: 60)
        defer { Task { await sender.shutdown() } }
        // Larger than a pipe holds: the write is still under way when the command has gone. This test process
        // does not ignore SIGPIPE (pxscript does), so without the blocked signal it dies here.
        let text = String(repeating: "x", count: 1 << 20)
        for _ in 0..<3 {
            try await sender.deliver(Notice(kind: .test, title: "t", text: text, at: Date()), to: NoticeTarget(.command(["/bin/sh", "-c", "exit 0"])))
        }
    }

    @Test("a command still running at the limit is stopped with its whole group; a failing one reports its first error line")
    func stoppedWithItsGroup() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let sender = NoticeSender(timeout: 1)
        defer { Task { await sender.shutdown() } }
        await #expect(throws: NotifyError.self) {
            try await sender.deliver(
                Notice(kind: .test, title: "t", text: "x", at: Date()),
                to: NoticeTarget(.command(["/bin/sh", "-c", "sleep 60 & echo $! > '\(folder)/child'; wait"])))
        }
        // The grandchild, in the command's group, is gone within SIGTERM's grace.
        let child = try #require(Int32(try String(contentsOfFile: folder + "/child", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await Patience.wait(every: .milliseconds(100)) { kill(child, 0) != 0 })
        do {
            try await sender.deliver(Notice(kind: .test, title: "t", text: "x", at: Date()), to: NoticeTarget(.command(["/bin/sh", "-c", "echo 'no such topic' >&2; exit 3"])))
            Issue.record("a failing command was taken as delivered")
        } catch {
            #expect("\(error)".contains("no such topic"), "\(error)")
        }
    }
}
