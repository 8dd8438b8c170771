import Foundation
import GRDB
import PixiesetKit
import PixiesetModels
@testable import PXRuntime
@testable import PXState
import Synchronization
import Testing
import TestSupport

/// The outbox under its send lease: what a killed holder leaves is replayed
/// once, a live holder's sends are never reconciled by another process,
/// and the cap holds across holders. Each `StateStore` opens its own file
/// descriptors, so two of them in one process behave like two processes.
@Suite("Outbox: the send lease and its log")
struct OutboxTests {
    let now = Date(timeIntervalSince1970: 1_772_355_600)

    func temporary() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString).sqlite").path
    }

    func remove(_ path: String) {
        for file in [path] + StateStore.companionFiles(of: path) { try? FileManager.default.removeItem(atPath: file) }
    }

    func reserve(_ store: StateStore, _ key: String, cap: Int = 100) async throws -> OutboxEntry {
        let intent = SendIntent(conversationID: "conv_AAAAAAAAAAAA", content: key)
        let reservation = try await store.sends.reserve(intent, key: key, explicitKey: true, now: now, day: "d", cap: cap)
        guard case .proceed(let entry) = reservation else { throw StateError.failed("\(key) was not reserved: \(reservation)") }
        return entry
    }

    func message(_ id: String) -> Message {
        Message(
            id: id, conversationID: "conv_AAAAAAAAAAAA", content: "hi", sentAt: Timestamp(microseconds: 1_772_355_600_000_000),
            senderType: .photographer, senderID: nil, readAt: nil, attachments: [])
    }

    /// `(key, state)` of every send row, and the journal's kinds, as another process reads them.
    func filed(_ path: String) throws -> (sends: [String], journal: [String], count: Int) {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            (try Row.fetchAll(db, sql: "SELECT send_key, state FROM send ORDER BY id").map { "\($0[0] as String)=\($0[1] as String)" },
             try String.fetchAll(db, sql: "SELECT kind FROM journal ORDER BY id"),
             try Int.fetchOne(db, sql: "SELECT count FROM daily_sends WHERE day = 'd'") ?? 0)
        }
    }

    @Test("an outcome not waited for is seen by the next reservation, reaches the file within the fold delay, and is kept by close")
    func outcomesNotWaitedFor() async throws {
        let path = temporary()
        defer { remove(path) }
        let store = try StateStore(path: path)

        // A reservation of the same key right after finds it sent (not in flight).
        let first = try await reserve(store, "k:a")
        store.sends.markSentSoon(first, message: message("msg_AAAAAAAAAAAA"), at: now) { Issue.record("\($0)") }
        let again = try await store.sends.reserve(
            SendIntent(conversationID: "conv_AAAAAAAAAAAA", content: "k:a"), key: "k:a", explicitKey: true, now: now, day: "d", cap: 100)
        guard case .alreadySent(let json) = again else {
            Issue.record("expected alreadySent, got \(again)")
            return
        }
        #expect(json.contains("msg_AAAAAAAAAAAA"))

        // With nothing else happening, it reaches the file within the fold delay.
        let second = try await reserve(store, "k:b")
        store.sends.markSentSoon(second, message: message("msg_BBBBBBBBBBBB"), at: now) { Issue.record("\($0)") }
        #expect(try await Patience.wait { try filed(path).sends.contains("k:b=sent") })

        // Closing folds what is left.
        let third = try await reserve(store, "k:c")
        store.sends.markSentSoon(third, message: message("msg_CCCCCCCCCCCC"), at: now) { Issue.record("\($0)") }
        try store.close()
        #expect(try filed(path).sends == ["k:a=sent", "k:b=sent", "k:c=sent"])
        #expect(try StateStore(path: path).sends.pendingSends().isEmpty)
    }

    @Test("a killed holder's log is replayed by the next holder: intents pending, outcomes that reached the log sent, each counted once")
    func replayAfterKill() async throws {
        let path = temporary()
        defer { remove(path) }
        let first = try StateStore(path: path)
        let a = try await reserve(first, "k:a")
        first.sends.markSentSoon(a, message: message("msg_AAAAAAAAAAAA"), at: now) { Issue.record("\($0)") }
        _ = try await reserve(first, "k:b")  // written with a's outcome
        let c = try await reserve(first, "k:c")
        first.sends.markSentSoon(c, message: message("msg_CCCCCCCCCCCC"), at: now) { Issue.record("\($0)") }  // only in memory
        // Killed: the log has it all but c's outcome.
        first.outbox.dropAsIfKilled()
        #expect(FileManager.default.fileExists(atPath: path + "-outbox"))

        let next = try StateStore(path: path)
        let pending = try await next.sends.claimPendingSends()
        #expect(pending.map(\.key) == ["k:b", "k:c"])
        for entry in pending { try await next.sends.abandonSend(entry, reason: "not sent", at: now) }
        try await next.flush()
        let state = try filed(path)
        #expect(state.sends == ["k:a=sent"])
        #expect(state.journal == ["sent", "failed", "failed"])
        #expect(state.count == 1)
        try next.close()
        #expect(!FileManager.default.fileExists(atPath: path + "-outbox"), "a holder that lets go leaves no log")
    }

    @Test("what a fold committed before the kill is not applied again by the replay")
    func replaySkipsFolded() async throws {
        let path = temporary()
        defer { remove(path) }
        let first = try StateStore(path: path)
        let a = try await reserve(first, "k:a")
        _ = try await reserve(first, "k:x")  // in flight throughout: the lease, and its log, stay
        // Abandoning folds at once: a's row goes, its place is given back, "failed" is journaled.
        try await first.sends.abandonSend(a, reason: "refused", at: now)
        let b = try await reserve(first, "k:b")
        first.sends.markSentSoon(b, message: message("msg_BBBBBBBBBBBB"), at: now) { Issue.record("\($0)") }
        try await first.flush()
        _ = try await reserve(first, "k:d")
        first.outbox.dropAsIfKilled()

        let next = try StateStore(path: path)
        #expect(try await next.sends.claimPendingSends().map(\.key) == ["k:x", "k:d"])
        let state = try filed(path)
        // Replaying the whole log would journal a's failure twice.
        #expect(state.sends == ["k:x=pending", "k:b=sent", "k:d=pending"])
        #expect(state.journal == ["failed", "sent"])
        #expect(state.count == 3)
        try next.close()
    }

    @Test("a pending send found not sent by reconciliation may be sent again at once, though its conversation was read before")
    func abandonedAfterClaim() async throws {
        let path = temporary()
        defer { remove(path) }
        let first = try StateStore(path: path)
        _ = try await reserve(first, "k:a")
        first.outbox.dropAsIfKilled()

        let next = try StateStore(path: path)
        let claimed = try await next.sends.claimPendingSends()
        #expect(claimed.map(\.key) == ["k:a"])
        // Another send to the conversation reads its filed sends, k:a's pending row among them.
        let other = try await reserve(next, "k:z")
        try await next.sends.abandonSend(claimed[0], reason: "not sent before an interruption", at: now)
        let again = try await reserve(next, "k:a")
        #expect(again.key == "k:a")
        next.sends.markSentSoon(again, message: message("msg_AAAAAAAAAAAA"), at: now) { Issue.record("\($0)") }
        next.sends.markSentSoon(other, message: message("msg_ZZZZZZZZZZZZ"), at: now) { Issue.record("\($0)") }
        try await next.flush()
        #expect(try filed(path).sends == ["k:z=sent", "k:a=sent"])
        #expect(try filed(path).count == 2)
        try next.close()
    }

    @Test("a log line cut short by the kill is ignored; a damaged line is a clear error and the log is left as it is")
    func damagedLog() async throws {
        let path = temporary()
        defer { remove(path) }
        let first = try StateStore(path: path)
        _ = try await reserve(first, "k:a")
        first.outbox.dropAsIfKilled()
        let log = try Data(contentsOf: URL(fileURLWithPath: path + "-outbox"))

        // Cut short: the partial intent never had its request made.
        try (log + Data(#"{"op":"intent","id":2,"conv"#.utf8)).write(to: URL(fileURLWithPath: path + "-outbox"))
        let cut = try StateStore(path: path)
        #expect(try await cut.sends.claimPendingSends().map(\.key) == ["k:a"])
        cut.outbox.dropAsIfKilled()

        // Damaged in the middle: refused, not reset.
        let damaged = Data(#"{"generation":"G"}"#.utf8) + Data("\nnot json\n".utf8) + log
        try damaged.write(to: URL(fileURLWithPath: path + "-outbox"))
        let refused = try StateStore(path: path)
        await #expect { _ = try await refused.sends.claimPendingSends() } throws: { "\($0)".contains("cannot be read") }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path + "-outbox")) == damaged)
        try refused.close()
    }

    @Test("a second sender waits for the lease: a live holder's pending send is never reconciled by it")
    func liveHolderIsNotReconciled() async throws {
        let path = temporary()
        defer { remove(path) }
        let holder = try StateStore(path: path)
        let entry = try await reserve(holder, "k:a")
        try await holder.flush()  // the intent is in the file as pending
        #expect(try filed(path).sends == ["k:a=pending"])

        let other = try StateStore(path: path)
        let claim = Task { try await other.sends.claimPendingSends() }
        try await Task.sleep(for: .milliseconds(300))
        // The holder's request comes back; its outcome is recorded and the lease let go.
        holder.sends.markSentSoon(entry, message: message("msg_AAAAAAAAAAAA"), at: now) { Issue.record("\($0)") }
        #expect(try await claim.value.isEmpty, "the other sender must not claim a send still in flight")
        #expect(try filed(path).sends == ["k:a=sent"])
        try holder.close()
        try other.close()
    }

    @Test("a sender kept waiting by another process's sends says so, naming it")
    func waitIsReported() async throws {
        let path = temporary()
        defer { remove(path) }
        let holder = try StateStore(path: path)
        let entry = try await reserve(holder, "k:a")
        let other = try StateStore(path: path)
        let notices = LockedList()
        other.outbox.waitNotice.withLock { $0 = { notices.append($0) } }
        let waiting = Task { try await reserve(other, "k:b") }
        // The holder keeps its send in flight until the waiter has spoken.
        #expect(await Patience.wait(every: .milliseconds(100)) { !notices.items.isEmpty })
        holder.sends.markSentSoon(entry, message: message("msg_AAAAAAAAAAAA"), at: now) { Issue.record("\($0)") }
        _ = try await waiting.value
        #expect(notices.items == ["another process (pid \(getpid())) is sending on this state; the sends here wait for it"])
        try holder.close()
        try other.close()
    }

    @Test("the daily cap holds across holders, and pause from another process holds at once")
    func capAndPauseAcrossHolders() async throws {
        let path = temporary()
        defer { remove(path) }
        let first = try StateStore(path: path)
        let second = try StateStore(path: path)
        let a = try await reserve(first, "k:a", cap: 2)
        first.sends.markSentSoon(a, message: message("msg_AAAAAAAAAAAA"), at: now) { Issue.record("\($0)") }
        try await first.flush()  // idle: the lease is let go
        let b = try await reserve(second, "k:b", cap: 2)
        second.sends.markSentSoon(b, message: message("msg_BBBBBBBBBBBB"), at: now) { Issue.record("\($0)") }
        try await second.flush()
        await #expect(throws: SendRefusal.cap(limit: 2, day: "d")) { _ = try await reserve(first, "k:c", cap: 2) }
        await #expect(throws: SendRefusal.cap(limit: 2, day: "d")) { _ = try await reserve(second, "k:c", cap: 2) }

        // A pause written by a third process (its own connection), while `second` may still hold the lease.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: "INSERT INTO setting (name, value) VALUES ('paused', '1')") }
        try queue.close()
        try await Task.sleep(for: Outbox.pauseRecheck * 2)
        await #expect(throws: SendRefusal.paused) { _ = try await reserve(second, "k:d", cap: 10) }
        try first.close()
        try second.close()
    }
}
