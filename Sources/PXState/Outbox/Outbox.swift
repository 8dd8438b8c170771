import Foundation
import GRDB
import PixiesetKit
import PixiesetModels
import Synchronization

/// The outbox of one state file (docs/spec.md §6 "Durable state"): every send is
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
package final class Outbox: Sendable {
    /// A send of the current lease, by conversation and key.
    package struct SendKey: Hashable {
        package let conversationID: String
        package let key: String
    }

    package struct Held {
        package let id: Int64
        /// The first message's API JSON and when it was recorded, once sent.
        package var sent: (json: String, messageID: String, at: Date)?
        /// Forgotten (`abandon`): it blocks nothing, and its row, which the
        /// file may still show as pending, is not looked at.
        package var abandoned = false
    }

    /// What the holder knows; guarded by `view`'s lock, with the lease and the log.
    package struct View {
        package var held = false
        package var closed = false
        package var log: OutboxLog?
        package var sends: [SendKey: Held] = [:]
        /// Sends counted per day: the file's count when first asked, plus this lease's changes.
        package var counts: [String: Int] = [:]
        package var nextID: Int64 = 1
        /// The first row id of this lease: rows before it were filed by earlier holders.
        package var firstID: Int64 = 1
        /// Earlier holders' sends by conversation and key, read when first needed.
        package var filed: [String: [String: [SendTable.Filed]]] = [:]
        /// The pause flag as last read, when, and `pauseChanges` then.
        package var pause: (at: ContinuousClock.Instant, changes: Int, paused: Bool)?
        /// Reserved sends without an outcome yet (and pending sends claimed for reconciliation).
        package var inFlight = 0
        /// Appended to the log, not yet in the state file.
        package var unfolded: [OutboxRecord] = []
        /// This lease's sends left pending (`leavePending`), for `claimPending` to hand back.
        package var leftPending: [Int64: OutboxEntry] = [:]
        package var foldScheduled = false
    }

    /// How long a change may stay in the log only: the outbox's commits are
    /// this far apart at most while sends go on, and the lease is let go
    /// this long after the last outcome.
    package static let foldDelay: Duration = .milliseconds(50)
    /// The pause before a fold that could not be written is tried again.
    package static let foldRetry: Duration = .seconds(1)

    package let pool: DatabasePool
    package let lease: SendLease
    package let logPath: String
    package let view = Mutex(View())
    /// Taken while the lease is being taken, so this process does it once.
    package let acquisition = Mutex(())
    /// Hears that this process waits for another one's sends (`PXRuntime` logs it).
    package let waitNotice = Mutex<(@Sendable (String) -> Void)?>(nil)

    package init(statePath: String, pool: DatabasePool) {
        self.pool = pool
        lease = SendLease(statePath: statePath)
        logPath = statePath + "-outbox"
    }

    /// The files beside the state that belong to the outbox (kept from scripts by the file policy).
    package static func files(statePath: String) -> [String] { [statePath + "-outbox", statePath + "-sends.lock"] }

    // MARK: Sending

    /// Records the intent of a send (docs/spec.md §6), or says why it must not be made.
    package func reserve(
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
    package func sent(_ entry: OutboxEntry, message: Message, at: Date, reconciled: Bool) throws {
        let json = message.wireJSON
        let record = OutboxRecord.sent(
            id: entry.id, conversationID: entry.intent.conversationID, key: entry.key, messageID: message.id, messageJSON: json, at: at,
            reconciled: reconciled)
        try settle(entry, record) { view in
            view.sends[SendKey(conversationID: entry.intent.conversationID, key: entry.key)] = Held(id: entry.id, sent: (json, message.id, at))
        }
    }

    /// Forgets a send that surely did not happen and gives its place under the cap back.
    package func abandon(_ entry: OutboxEntry, reason: String, at: Date) throws {
        let record = OutboxRecord.abandoned(id: entry.id, conversationID: entry.intent.conversationID, day: entry.day, reason: reason, at: at)
        try settle(entry, record) { view in
            let sendKey = SendKey(conversationID: entry.intent.conversationID, key: entry.key)
            if view.sends[sendKey]?.id == entry.id { view.sends[sendKey]?.abandoned = true }
            view.counts[entry.day] = max(try count(entry.day, &view) - 1, 0)
        }
    }

    /// A send whose outcome stays unknown: it stays pending in the state
    /// file, for the next holder of the lease to reconcile.
    package func leavePending(_ entry: OutboxEntry) {
        view.withLock { view in
            view.inFlight -= 1
            view.leftPending[entry.id] = entry
        }
        scheduleFold()
    }

    /// Whether this process left a send pending that no one has checked yet.
    package var hasLeftPending: Bool { view.withLock { !$0.leftPending.isEmpty } }

    package func settle(_ entry: OutboxEntry, _ record: OutboxRecord, _ update: (inout View) throws -> Void) throws {
        try view.withLock { view in
            guard view.held, let log = view.log else {
                throw StateError.closed("the outcome of send \(entry.id) came after the state was closed")
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
    package func sentMessage(conversationID: String, key: String, explicitKey: Bool, now: Date, window: TimeInterval) throws -> String? {
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
    package func matchedMessageIDs(in conversationID: String) throws -> Set<String> {
        let mine = view.withLock { view in
            view.sends.compactMap { $0.key.conversationID == conversationID ? $0.value.sent?.messageID : nil }
        }
        let filed = try pool.read { db in try SendTable.matchedMessageIDs(in: conversationID, db) }
        return filed.union(mine)
    }

    package enum Found { case pending, sent(String) }

    /// A send filed before this lease began, as its conversation's rows have it.
    /// What blocks a send under `key`: this lease's own sends first, then
    /// the file's, read once per conversation and lease (nobody else adds
    /// sends while the lease is held).
    package func lookup(_ sendKey: SendKey, explicitKey: Bool, now: Date, window: TimeInterval, _ view: inout View) throws -> Found? {
        let since = now.timeIntervalSince1970 - window
        let mine = view.sends[sendKey]
        if let mine, !mine.abandoned {
            guard let sent = mine.sent else { return .pending }
            if explicitKey || sent.at.timeIntervalSince1970 >= since { return .sent(sent.json) }
            return nil
        }
        let filed: [SendTable.Filed]
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
    package static func filedSends(in conversationID: String, before: Int64, _ pool: DatabasePool) throws -> [String: [SendTable.Filed]] {
        try pool.unsafeRead { db in try SendTable.filed(in: conversationID, before: before, db) }
    }

    /// Throws when sends on this state are paused (`pxscript pause`). The
    /// flag is read from the file at most every `pauseRecheck`, and at once
    /// after a `pause` or `resume` from this process.
    package func checkPause(_ view: inout View) throws {
        let now = ContinuousClock.now
        let changes = Self.pauseChanges.load(ordering: .relaxed)
        if let known = view.pause, known.changes == changes, now - known.at < Self.pauseRecheck {
            if known.paused { throw SendRefusal.paused }
            return
        }
        let paused = try pool.unsafeRead { db in try Settings.isPaused(db) }
        view.pause = (now, changes, paused)
        if paused { throw SendRefusal.paused }
    }

    /// How stale the pause flag may be for a sender: another process's
    /// `pause` holds within this long (docs/spec.md §6 asks for one poll).
    package static let pauseRecheck: Duration = .milliseconds(5)

    /// Counts `pause` and `resume` made by this process, so its own senders see them at once.
    package static let pauseChanges = Atomic<Int>(0)

    package static func notePauseChange() { pauseChanges.add(1, ordering: .relaxed) }

    /// Sends counted for `day`; asked of the file once per lease (nobody else counts while it is held).
    package func count(_ day: String, _ view: inout View) throws -> Int {
        if let known = view.counts[day] { return known }
        let filed = try pool.unsafeRead { db in
            try SendTable.count(day: day, db)
        }
        view.counts[day] = filed
        return filed
    }
}
