import Foundation
import GRDB
import PixiesetKit
import PixiesetModels
import Synchronization

/// The outbox of one state file (SPEC §6 "Durable state"): every send is
/// recorded before its request, checked against its key and the daily cap,
/// and its outcome recorded after.
///
/// A process sends only while it holds the state's `SendLease`. The holder
/// keeps its own sends in memory (`View`), so a key or the cap is checked
/// there and against the file, with no commit; each change is appended to
/// the `OutboxLog` (one `write(2)`, on disk before the request leaves) and
/// folded into the state file in batches, at most `foldDelay` later. When
/// nothing is in flight and everything is folded, the holder lets the lease
/// go; whoever takes it next replays what a dead holder left in its log.
/// Decision 0007 explains the design and what it costs.
final class Outbox: Sendable {
    /// A send of the current lease, by conversation and key.
    private struct SendKey: Hashable {
        let conversationID: String
        let key: String
    }

    private struct Held {
        let id: Int64
        /// The first message's API JSON and when it was recorded, once sent.
        var sent: (json: String, messageID: String, at: Date)?
        /// Forgotten (`abandon`): it blocks nothing, and its row, which the
        /// file may still show as pending, is not looked at.
        var abandoned = false
    }

    /// What the holder knows; guarded by `view`'s lock, with the lease and the log.
    private struct View {
        var held = false
        var closed = false
        var log: OutboxLog?
        var sends: [SendKey: Held] = [:]
        /// Sends counted per day: the file's count when first asked, plus this lease's changes.
        var counts: [String: Int] = [:]
        var nextID: Int64 = 1
        /// The first row id of this lease: rows before it were filed by earlier holders.
        var firstID: Int64 = 1
        /// Earlier holders' sends by conversation and key, read when first needed.
        var filed: [String: [String: [Filed]]] = [:]
        /// The pause flag as last read, when, and `pauseChanges` then.
        var pause: (at: ContinuousClock.Instant, changes: Int, paused: Bool)?
        /// Reserved sends without an outcome yet (and pending sends claimed for reconciliation).
        var inFlight = 0
        /// Appended to the log, not yet in the state file.
        var unfolded: [OutboxRecord] = []
        /// This lease's sends left pending (`leavePending`), for `claimPending` to hand back.
        var leftPending: [Int64: OutboxEntry] = [:]
        var foldScheduled = false
    }

    /// How long a change may stay in the log only: the outbox's commits are
    /// this far apart at most while sends go on, and the lease is let go
    /// this long after the last outcome.
    static let foldDelay: Duration = .milliseconds(50)

    private let pool: DatabasePool
    private let lease: SendLease
    private let logPath: String
    private let view = Mutex(View())
    /// Taken while the lease is being taken, so this process does it once.
    private let acquisition = Mutex(())

    init(statePath: String, pool: DatabasePool) {
        self.pool = pool
        lease = SendLease(statePath: statePath)
        logPath = statePath + "-outbox"
    }

    /// The files beside the state that belong to the outbox (kept from scripts by the file policy).
    static func files(statePath: String) -> [String] { [statePath + "-outbox", statePath + "-sends.lock"] }

    // MARK: Sending

    /// Records the intent of a send (SPEC §6), or says why it must not be made.
    func reserve(
        _ intent: SendIntent, key: String, explicitKey: Bool, now: Date, day: String, cap: Int, window: TimeInterval
    ) async throws -> SendReservation {
        while true {
            try await acquire()
            // A lease taken for a send that is refused is let go after the next fold.
            defer { scheduleFold() }
            let reservation = try view.withLock { view -> SendReservation? in
                guard view.held, let log = view.log else { return nil }  // let go meanwhile: take it again
                let sendKey = SendKey(conversationID: intent.conversationID, key: key)
                try checkPause(&view)
                switch try lookup(sendKey, explicitKey: explicitKey, now: now, window: window, &view) {
                case .pending: return .inFlight
                case .sent(let json): return .alreadySent(messageJSON: json)
                case nil: break
                }
                let used = try count(day, &view)
                guard used < cap else { throw SendRefusal.cap(limit: cap, day: day) }
                let entry = OutboxEntry(id: view.nextID, intent: intent, key: key, explicitKey: explicitKey, attemptedAt: now, day: day)
                try log.append(.intent(entry))
                view.nextID += 1
                view.counts[day] = used + 1
                view.sends[sendKey] = Held(id: entry.id)
                view.inFlight += 1
                view.unfolded.append(.intent(entry))
                return .proceed(entry)
            }
            if let reservation { return reservation }
        }
    }

    /// Records that the studio has `message` for `entry`.
    func sent(_ entry: OutboxEntry, message: Message, at: Date, reconciled: Bool) throws {
        let json = message.wireJSON
        let record = OutboxRecord.sent(
            id: entry.id, conversationID: entry.intent.conversationID, key: entry.key, messageID: message.id, messageJSON: json, at: at,
            reconciled: reconciled)
        try settle(entry, record) { view in
            view.sends[SendKey(conversationID: entry.intent.conversationID, key: entry.key)] = Held(id: entry.id, sent: (json, message.id, at))
        }
    }

    /// Forgets a send that surely did not happen and gives its place under the cap back.
    func abandon(_ entry: OutboxEntry, reason: String, at: Date) throws {
        let record = OutboxRecord.abandoned(id: entry.id, conversationID: entry.intent.conversationID, day: entry.day, reason: reason, at: at)
        try settle(entry, record) { view in
            let sendKey = SendKey(conversationID: entry.intent.conversationID, key: entry.key)
            if view.sends[sendKey]?.id == entry.id { view.sends[sendKey]?.abandoned = true }
            view.counts[entry.day] = max(try count(entry.day, &view) - 1, 0)
        }
    }

    /// A send whose outcome stays unknown: it stays pending in the state
    /// file, for the next holder of the lease to reconcile.
    func leavePending(_ entry: OutboxEntry) {
        view.withLock { view in
            view.inFlight -= 1
            view.leftPending[entry.id] = entry
        }
        scheduleFold()
    }

    /// Whether this process left a send pending that no one has checked yet.
    var hasLeftPending: Bool { view.withLock { !$0.leftPending.isEmpty } }

    private func settle(_ entry: OutboxEntry, _ record: OutboxRecord, _ update: (inout View) throws -> Void) throws {
        try view.withLock { view in
            guard view.held, let log = view.log else {
                throw StateError("the outcome of send \(entry.id) came after the state was closed")
            }
            // Settled, whatever happens below: an unknown outcome stays pending for reconciliation.
            view.inFlight -= 1
            try update(&view)
            log.appendSoon(record)
            view.unfolded.append(record)
        }
        scheduleFold()
    }

    /// The first message sent under `key` to the conversation (API JSON)
    /// while it still blocks a new send, from this lease's sends or the file.
    func sentMessage(conversationID: String, key: String, explicitKey: Bool, now: Date, window: TimeInterval) throws -> String? {
        try view.withLock { view in
            if case .sent(let json) = try lookup(
                SendKey(conversationID: conversationID, key: key), explicitKey: explicitKey, now: now, window: window, &view)
            {
                return json
            }
            return nil
        }
    }

    /// Ids of the conversation's messages already matched to sends.
    func matchedMessageIDs(in conversationID: String) throws -> Set<String> {
        let mine = view.withLock { view in
            view.sends.compactMap { $0.key.conversationID == conversationID ? $0.value.sent?.messageID : nil }
        }
        let filed = try pool.read { db in try StateStore.matchedMessageIDs(db, in: conversationID) }
        return filed.union(mine)
    }

    private enum Found { case pending, sent(String) }

    /// A send filed before this lease began, as its conversation's rows have it.
    private struct Filed {
        let id: Int64
        let pending: Bool
        let sentAt: Double
        let json: String?
    }

    /// What blocks a send under `key`: this lease's own sends first, then
    /// the file's, read once per conversation and lease (nobody else adds
    /// sends while the lease is held).
    private func lookup(_ sendKey: SendKey, explicitKey: Bool, now: Date, window: TimeInterval, _ view: inout View) throws -> Found? {
        let since = now.timeIntervalSince1970 - window
        let mine = view.sends[sendKey]
        if let mine, !mine.abandoned {
            guard let sent = mine.sent else { return .pending }
            if explicitKey || sent.at.timeIntervalSince1970 >= since { return .sent(sent.json) }
            return nil
        }
        let filed: [Filed]
        if view.held {
            if view.filed[sendKey.conversationID] == nil {
                view.filed[sendKey.conversationID] = try Self.filedSends(in: sendKey.conversationID, before: view.firstID, pool)
            }
            filed = view.filed[sendKey.conversationID]?[sendKey.key] ?? []
        } else {
            filed = try Self.filedSends(in: sendKey.conversationID, before: .max, pool)[sendKey.key] ?? []
        }
        for send in filed where send.id != mine?.id {
            if send.pending { return .pending }
            if explicitKey || send.sentAt >= since { return .sent(send.json ?? "{}") }
        }
        return nil
    }

    /// The conversation's sends in the file by key, oldest first, leaving
    /// out this lease's own (ids from `before` on), which it knows better.
    private static func filedSends(in conversationID: String, before: Int64, _ pool: DatabasePool) throws -> [String: [Filed]] {
        try pool.unsafeRead { db in
            var byKey: [String: [Filed]] = [:]
            let rows = try Row.fetchCursor(
                db.cachedStatement(sql: "SELECT send_key, state, sent_at, message_json, id FROM send WHERE conversation_id = ? AND id < ? ORDER BY id"),
                arguments: [conversationID, before])
            while let row = try rows.next() {
                byKey[row[0], default: []].append(Filed(id: row[4], pending: row[1] == "pending", sentAt: row[2] ?? 0, json: row[3]))
            }
            return byKey
        }
    }

    /// Throws when sends on this state are paused (`pxscript pause`). The
    /// flag is read from the file at most every `pauseRecheck`, and at once
    /// after a `pause` or `resume` from this process.
    private func checkPause(_ view: inout View) throws {
        let now = ContinuousClock.now
        let changes = Self.pauseChanges.load(ordering: .relaxed)
        if let known = view.pause, known.changes == changes, now - known.at < Self.pauseRecheck {
            if known.paused { throw SendRefusal.paused }
            return
        }
        let paused = try pool.unsafeRead { db in try StateStore.isPaused(db) }
        view.pause = (now, changes, paused)
        if paused { throw SendRefusal.paused }
    }

    /// How stale the pause flag may be for a sender: another process's
    /// `pause` holds within this long (SPEC §6 asks for one poll).
    static let pauseRecheck: Duration = .milliseconds(5)

    /// Counts `pause` and `resume` made by this process, so its own senders see them at once.
    private static let pauseChanges = Atomic<Int>(0)

    static func notePauseChange() { pauseChanges.add(1, ordering: .relaxed) }

    /// Sends counted for `day`; asked of the file once per lease (nobody else counts while it is held).
    private func count(_ day: String, _ view: inout View) throws -> Int {
        if let known = view.counts[day] { return known }
        let filed = try pool.unsafeRead { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT count FROM daily_sends WHERE day = ?"), arguments: [day]) ?? 0
        }
        view.counts[day] = filed
        return filed
    }

    // MARK: Reconciliation

    /// Takes the lease and returns the pending sends in the file, which no
    /// live process is making any more: a holder reconciles before it lets
    /// go. Each is in flight until `sent` or `abandon` settles it.
    func claimPending() async throws -> [OutboxEntry] {
        // Nothing to claim and nothing to replay (no pending row, no log a dead holder left, nothing
        // this process left pending): the lease, a log file and a fold are not worth taking.
        // Every run starts here, so this is most runs' start-up.
        let idle = view.withLock { !$0.held && $0.leftPending.isEmpty }
        if idle, !FileManager.default.fileExists(atPath: logPath), try filedPendingSends().isEmpty { return [] }
        try await acquire()
        let pending = try filedPendingSends()
        let claimed = view.withLock { view -> [OutboxEntry] in
            let mine = Set(view.sends.values.map(\.id))
            // Others' pending sends, and this process's own left pending (a daemon checks them between
            // cycles): those still unsettled in this lease, or still pending in the file after a new lease.
            let unsettled = Set(view.sends.values.filter { $0.sent == nil && !$0.abandoned }.map(\.id))
            var byID = Dictionary(pending.filter { !mine.contains($0.id) }.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let filed = Set(pending.map(\.id))
            for entry in view.leftPending.values where unsettled.contains(entry.id) || filed.contains(entry.id) { byID[entry.id] = entry }
            view.leftPending = [:]
            let claimed = byID.values.sorted { $0.id < $1.id }
            for entry in claimed {
                view.sends[SendKey(conversationID: entry.intent.conversationID, key: entry.key)] = Held(id: entry.id)
            }
            view.inFlight += claimed.count
            return claimed
        }
        scheduleFold()
        return claimed
    }

    private func filedPendingSends() throws -> [OutboxEntry] {
        try pool.read { db in try StateStore.pendingSends(db) }
    }

    // MARK: The lease

    /// Holds the lease on return, waiting (with backoff) while another process has it.
    private func acquire() async throws {
        var delay: Duration = .milliseconds(1)
        let start = ContinuousClock.now
        var told = false
        while try !takeLease() {
            if !told, ContinuousClock.now - start >= Self.waitNoticeAfter, let notice = waitNotice.withLock({ $0 }) {
                notice("another process (\(lease.holder)) is sending on this state; the sends here wait for it")
                told = true
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(50))
        }
    }

    /// How long a sender waits for the lease before it says so.
    static let waitNoticeAfter: Duration = .seconds(2)

    /// Hears that this process waits for another one's sends (`PXRuntime` logs it).
    let waitNotice = Mutex<(@Sendable (String) -> Void)?>(nil)

    /// Whether the lease is held, taking it if it is free: the flock, then
    /// (in one transaction) what a dead holder left and the next row id,
    /// then a fresh log. Done on the caller's thread: it is a short write,
    /// and a hop to another thread would cost more.
    private func takeLease() throws -> Bool {
        try acquisition.withLock { _ in
            let held = try view.withLock { view in
                if view.closed { throw StateError("the state was closed") }
                return view.held
            }
            if held { return true }
            guard try view.withLock({ _ in try lease.tryAcquire() }) else { return false }
            do {
                let nextID = try pool.write { [logPath] db in
                    try Self.replay(logPath, db)
                    return (try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM send") ?? 0) + 1
                }
                let log = try OutboxLog(path: logPath)
                view.withLock { view in
                    // What this process left pending outlives its lease: claimPending checks it against the file.
                    view = View(held: true, log: log, nextID: nextID, firstID: nextID, leftPending: view.leftPending)
                }
                return true
            } catch {
                view.withLock { _ in lease.release() }
                throw error
            }
        }
    }

    /// Lets the lease go when nothing is in flight or waiting to be folded.
    private func releaseIfIdle(_ view: inout View) {
        guard view.held, view.inFlight == 0, view.unfolded.isEmpty else { return }
        view.log?.discard()
        lease.release()
        view = View(closed: view.closed, leftPending: view.leftPending)
    }

    // MARK: Folding into the state file

    private func scheduleFold() {
        let schedules = view.withLock { view in
            if view.foldScheduled { return false }
            view.foldScheduled = true
            return true
        }
        guard schedules else { return }
        Task {
            try? await Task.sleep(for: Self.foldDelay)
            view.withLock { $0.foldScheduled = false }
            try? await flush()
        }
    }

    /// What a fold writes: records appended to the log up to `end`.
    private struct Batch {
        let records: [OutboxRecord]
        let end: Int
        let generation: String
    }

    /// Folds everything appended so far into the state file and returns
    /// once it is committed (then lets the lease go if idle).
    func flush() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pool.asyncWriteWithoutTransaction { db in
                do {
                    try self.fold(db)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// On GRDB's writer thread, so folds, `close` and the other state
    /// writes take turns: the records appended so far, in one transaction
    /// with the log's marker; then the lease goes if nothing is left to do.
    private func fold(_ db: Database) throws {
        let batch = try view.withLock { view -> Batch? in
            guard view.held, let log = view.log else { return nil }
            if view.unfolded.isEmpty {
                releaseIfIdle(&view)
                return nil
            }
            // The marker must cover every record folded.
            try log.sync()
            defer { view.unfolded = [] }
            return Batch(records: view.unfolded, end: log.end, generation: log.generation)
        }
        guard let batch else { return }
        do {
            try db.inTransaction {
                try Self.apply(batch.records, db)
                try Self.mark(batch.generation, batch.end, db)
                return .commit
            }
            view.withLock { view in releaseIfIdle(&view) }
        } catch {
            // Still in the log: tried again with the next fold, or replayed by the next holder.
            view.withLock { view in view.unfolded = batch.records + view.unfolded }
            throw error
        }
    }

    /// For `close`: folds what is left and lets the lease go. Should the
    /// fold fail, the log stays for the next holder to replay.
    func closeNow() {
        try? pool.writeWithoutTransaction { db in
            view.withLock { $0.closed = true }
            let folded = (try? fold(db)) != nil
            view.withLock { view in
                if folded { view.log?.discard() } else { view.log?.abandon() }
                lease.release()
                view = View(closed: true)
            }
        }
    }

    /// For tests: lets go of the lease and the log as a killed process
    /// would, folding nothing.
    func dropAsIfKilled() {
        view.withLock { view in
            view.log?.abandon()
            lease.release()
            view = View(closed: true)
        }
    }

    /// Applies records to the state file. A send whose intent and outcome
    /// are in the same batch is written once: inserted as sent, or (when
    /// abandoned) not at all. Rows are written with `OR IGNORE` and
    /// conditions, so a record met twice changes nothing the second time.
    static func apply(_ records: [OutboxRecord], _ db: Database) throws {
        var intents = Set<Int64>()
        var settled: [Int64: OutboxRecord] = [:]
        for record in records {
            switch record {
            case .intent(let entry): intents.insert(entry.id)
            case .sent(let id, _, _, _, _, _, _), .abandoned(let id, _, _, _, _): if intents.contains(id) { settled[id] = record }
            }
        }
        var counted: [String: Int] = [:]
        var inserted = Set<Int64>()
        for record in records {
            switch record {
            case .intent(let entry):
                var sent: (messageID: String, json: String, at: Double)?
                switch settled[entry.id] {
                case .abandoned: continue
                case .sent(_, _, _, let messageID, let json, let at, _): sent = (messageID, json, at.timeIntervalSince1970)
                default: break
                }
                try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO send (id, conversation_id, send_key, explicit_key, content, attachment_ids, attachment_names,
                                                state, attempted_at, day, message_id, message_json, sent_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [
                        entry.id, entry.intent.conversationID, entry.key, entry.explicitKey, entry.intent.content,
                        entry.intent.attachmentIDs.wireJSON, entry.intent.attachmentNames.wireJSON, sent == nil ? "pending" : "sent",
                        entry.attemptedAt.timeIntervalSince1970, entry.day, sent?.messageID, sent?.json, sent?.at,
                    ])
                if db.changesCount > 0 {
                    counted[entry.day, default: 0] += 1
                    inserted.insert(entry.id)
                }
            case .sent(let id, let conversationID, let key, let messageID, let json, let at, let reconciled):
                if settled[id] == nil {
                    try db.cachedStatement(sql: "UPDATE send SET state = 'sent', message_id = ?, message_json = ?, sent_at = ? WHERE id = ? AND state = 'pending'")
                        .execute(arguments: [messageID, json, at.timeIntervalSince1970, id])
                    if db.changesCount == 0 { continue }
                } else if !inserted.contains(id) {
                    continue
                }
                try StateStore.journal(
                    db, at: at, kind: reconciled ? .reconciled : .sent, conversationID: conversationID, detail: "\(messageID) (\(SendKeyText.readable(key)))")
            case .abandoned(let id, let conversationID, let day, let reason, let at):
                if settled[id] == nil {
                    try db.cachedStatement(sql: "DELETE FROM send WHERE id = ? AND state = 'pending'").execute(arguments: [id])
                    if db.changesCount > 0 { counted[day, default: 0] -= 1 }
                }
                try StateStore.journal(db, at: at, kind: .failed, conversationID: conversationID, detail: reason)
            }
        }
        for (day, change) in counted where change != 0 {
            try db.cachedStatement(sql: """
                INSERT INTO daily_sends (day, count) VALUES (?, MAX(?, 0)) ON CONFLICT(day) DO UPDATE SET count = MAX(count + ?, 0)
                """).execute(arguments: [day, change, change])
        }
    }

    /// Records in the state file how much of log `generation` it holds.
    private static func mark(_ generation: String, _ end: Int, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO setting (name, value) VALUES ('outbox_folded', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value")
            .execute(arguments: ["\(generation) \(end)"])
    }

    /// Folds what a dead holder's log has beyond what its folds committed.
    static func replay(_ logPath: String, _ db: Database) throws {
        guard let log = try OutboxLog.leftover(at: logPath) else { return }
        let marker = try String.fetchOne(db, sql: "SELECT value FROM setting WHERE name = 'outbox_folded'")?.split(separator: " ")
        let folded = marker.flatMap { $0.count == 2 && $0[0] == log.generation ? Int($0[1]) : nil } ?? 0
        let left = log.records.filter { $0.end > folded }
        guard let last = left.last else { return }
        try apply(left.map(\.record), db)
        try mark(log.generation, last.end, db)
    }
}
