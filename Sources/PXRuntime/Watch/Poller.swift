import Foundation
import Logging
import PixiesetKit
import PixiesetModels
import PXState
import Synchronization

/// Finds new client messages (docs/spec.md §6 "Watermarks", "Polling") without
/// betting them on the API's timestamps, order or paging (docs/assumptions.md
/// A21–A27).
///
/// - **Idle: one request.** The first page of the list, with each
///   conversation's latest message. A conversation changed when its
///   signature did: `last_message_at`, the id of the latest message, or a
///   higher unread count (two messages in one second, or a stale
///   `last_message_at`, still change the latest id).
/// - **New by id.** A conversation read in full once has every client
///   message in the ledger, so a later read finds new ones by id, whatever
///   their `sent_at` says. Only the first read of a conversation compares
///   times (older messages are history), with `historySlack` of allowance;
///   the first start reads in full the conversations active within
///   `historyWindow`, so their history is known by id.
/// - **Pages** are read while they may hold news, whatever `meta.last_page`
///   says (bounded by `maxPages`); an unordered list is scanned (bounded).
/// - **No timestamp from the future** moves the watermark: past the studio's
///   own clock (the `now` given, measured from its answers) plus a minute.
/// - **A detail read that lags the list** (its newest message older than the
///   list's `last_message_at`) leaves the conversation to be read again.
/// - **Failures stay where they happen**: a conversation whose read fails
///   with an API error is journaled and retried with backoff, set aside
///   after `goneAfter` failures until it changes; the others go on.
/// - **A sweep** every `sweepInterval` reads in full every conversation
///   active within `historyWindow`, so a message hidden by any fault of the
///   API is answered late rather than never; it runs only for `quirkMemory`
///   after the API last showed a fault that can hide one (`Poller+Quirks`).
///   Otherwise a **slow rotation** reads one recently active conversation
///   every `rotationEvery` polls: an idle daemon costs the studio 1.25× its
///   polls, and a message hidden anyway is found, which makes it wary again.
/// - Detail reads run `concurrency` (16) at a time, so slow answers overlap
///   instead of queueing: a poll over 50 changed conversations with one
///   answer in four 5 s slow takes about 5 s, not 25 (`ClientBench --poller`).
///
/// One poll serves every script of a daemon: it reads with the
/// marks of one state (`store`) and records what it found in each script's
/// (`followers` too), so each has its own ledger and exactly-once handling.
public struct Poller: Sendable {
    let client: PixiesetClient
    let store: StateStore
    /// The states of the daemon's other message-handling scripts.
    let followers: [StateStore]
    let logger: Logger
    /// `--since`: where the first poll reaches back to when the state has no watermark.
    let since: Date?
    let pageSize: Int
    /// Pages read at most in one poll (an unordered list, a sweep, a burst).
    let maxPages: Int
    /// Detail reads at once.
    let concurrency: Int
    /// Seconds: conversations active this recently are read in full at the first start and by sweeps
    /// (the longest `max_age` of the handlers: older messages are not answered anyway).
    let historyWindow: Double
    /// Seconds between sweeps.
    let sweepInterval: Double
    /// Polls (of this poller) between sweeps besides the time: on a virtual clock, which
    /// skips idle polls, a sweep must not fall on nearly every poll (0: time alone).
    let sweepPolls: Int
    /// Polls between two reads of the slow rotation (0: none).
    let rotationEvery: Int
    let memory = Memory()

    /// Allowance (5 minutes, in microseconds) when a conversation's first read tells new from history by time.
    static let historySlack: Int64 = 300_000_000
    /// How far (a minute, in microseconds) past the studio's clock a timestamp may be before it is taken for a fault.
    static let futureSlack: Int64 = 60_000_000
    /// Failed reads in a row after which a conversation is set aside until it changes.
    static let goneAfter = 8
    /// Seconds a conversation is read again while its details lag the list (an API that shows a
    /// message in the list before the conversation has it); then the list is believed, and the sweep is the net.
    static let lagLimit: Double = 60

    public init(
        client: PixiesetClient, store: StateStore, followers: [StateStore] = [], logger: Logger, since: Date? = nil, pageSize: Int = 50,
        maxPages: Int = 20, concurrency: Int = 16, historyWindow: Double = 86_400, sweepInterval: Double = 600, sweepPolls: Int = 0,
        rotationEvery: Int = 4
    ) {
        self.client = client
        self.store = store
        self.followers = followers
        self.logger = logger
        self.since = since
        self.pageSize = pageSize
        self.maxPages = maxPages
        self.concurrency = max(1, concurrency)
        self.historyWindow = historyWindow
        self.sweepInterval = sweepInterval
        self.sweepPolls = sweepPolls
        self.rotationEvery = max(0, rotationEvery)
    }

    /// What this poller remembers between polls of one daemon: lagging reads,
    /// and which faults of the API it already warned about.
    final class Memory: Sendable {
        /// Conversations whose details lag the list, with when that was first seen (seconds).
        let lagging = Mutex<[String: Double]>([:])
        let warned = WarnedOnce()
        /// Polls since the last sweep.
        let polls = Mutex(0)
        /// Faults seen in the poll under way that can hide a message from the list (`Poller+Quirks`).
        let quirks = Mutex<[String]>([])
        /// The last conversation the slow rotation read.
        let rotated = Mutex<String?>(nil)
    }

    /// What one poll did.
    public struct Result: Sendable {
        /// New client messages, recorded in the ledger, per conversation in `sent_at` order.
        public let events: [Message]
        /// API requests it made.
        public let requests: Int
        /// The list was out of order on some page (a bounded scan was made instead).
        public let unordered: Bool
        /// This poll only set the watermark (history is never answered).
        public let firstStart: Bool
        /// The conversations it read in full, for the handlers of their events.
        public var conversations: [String: Conversation] = [:]
        /// This poll swept every recently active conversation.
        public var swept = false
        /// A conversation is to be read again at the next poll although the list may not change: its
        /// details lag the list, or its read failed. (A virtual clock, which skips polls while the
        /// studio is unchanged, must not skip that one.)
        public var readsAgain = false
    }

    static func micro(_ date: Date) -> Int64 { Int64(saturating: (date.timeIntervalSince1970 * 1_000_000).rounded()) }

    public func poll(now: Date) async throws -> Result {
        let stored = try store.ledger.watermark()
        let floor = stored ?? since.map(Self.micro)
        let firstStart = floor == nil
        let ceiling = Self.micro(now).plus(Self.futureSlack)
        let windowStart = Self.micro(now).minus(Int64(saturating: historyWindow * 1_000_000))
        let lastSweep = try store.settings.value(.lastSweep).flatMap(Double.init)
        let polls = memory.polls.withLock { polls -> Int in
            polls += 1
            return polls
        }
        let wary = try isWary(now: now)
        let sweep = wary && !firstStart && now.timeIntervalSince1970 - (lastSweep ?? 0) >= sweepInterval && polls > sweepPolls
        if sweep { memory.polls.withLock { $0 = 0 } }
        let rotate = !sweep && !firstStart && rotationEvery > 0 && polls % rotationEvery == 0
        memory.quirks.withLock { $0 = [] }

        // 1. The list, as far as it may hold news.
        let list = try await readList(floor: floor, windowStart: sweep ? windowStart : nil, firstStart: firstStart, ceiling: ceiling, at: now)
        let marks = try store.ledger.conversationMarks(list.conversations.map(\.id))
        // A first start on a studio without messages begins now: otherwise it would stay a first
        // start, and take the first messages ever written for history.
        var record = PollRecord(watermark: list.newest ?? (firstStart ? Self.micro(now) : nil))
        var requests = list.requests

        // 2. Which conversations to read in full.
        var reads: [(id: String, signature: ConversationMark, mark: ConversationMark?)] = []
        // Those read only by the sweep or the rotation: a message found there was hidden by the list.
        var netOnly = Set<String>()
        for conversation in list.conversations {
            let signature = Self.signature(of: conversation)
            let mark = marks[conversation.id]
            if firstStart {
                // History is never answered: recent conversations are read in full so their history is known by id.
                // What the list shows is history too, also when the details do not show it yet (an API slow to
                // show a message there: it would be taken for new later; the simulator found it).
                record.history += Self.clientMessages(of: conversation)
                if signature.time >= windowStart, signature.time <= ceiling, reads.count < pageSize {
                    reads.append((conversation.id, signature, nil))
                } else {
                    record.marks[conversation.id] = signature
                }
                continue
            }
            if let mark {
                if Self.wantsRead(signature: signature, mark: mark, now: now.timeIntervalSince1970) {
                    reads.append((conversation.id, signature, mark))
                } else if sweep && signature.time >= windowStart && mark.failures < Self.goneAfter {
                    reads.append((conversation.id, signature, mark))
                    netOnly.insert(conversation.id)
                }
            } else if signature.time >= (floor ?? .min) || Self.hasNewClientMessage(conversation, since: floor ?? .min) {
                reads.append((conversation.id, signature, nil))
            } else if sweep && signature.time >= windowStart {
                reads.append((conversation.id, signature, nil))
                netOnly.insert(conversation.id)
            } else {
                // Seen for the first time, and old: remembered, so a change later is noticed.
                record.marks[conversation.id] = signature
            }
        }

        if rotate {
            let reading = Set(reads.map(\.id))
            let next = try store.ledger.rotation(activeSince: windowStart, after: memory.rotated.withLock { $0 }, limit: 1)
            for (id, mark) in next where !reading.contains(id) {
                reads.append((id, mark, mark))
                netOnly.insert(id)
            }
            if let last = next.last { memory.rotated.withLock { $0 = last.0 } }
        }

        // 3. The reads, `concurrency` at a time; a conversation's failure is its own.
        let results = try await readDetails(reads.map(\.id))
        requests += reads.count
        var found: [Message] = [], details: [String: Conversation] = [:]
        var seenInDetails: [String] = []
        for (id, signature, mark) in reads {
            switch results[id] {
            case .failure(let error)?:
                var failed = mark ?? signature
                // An answer cut short or unreadable is the studio's passing trouble: read again with backoff,
                // never set aside for it (a new client's first message would wait for their next one).
                failed.failures = StudioTrouble.isPassing(error) ? min(failed.failures + 1, Self.goneAfter - 1) : failed.failures + 1
                failed.retryAt = now.timeIntervalSince1970 + min(3_600, 30 * pow(2, Double(failed.failures - 1)))
                record.marks[id] = failed
                let gone = failed.failures >= Self.goneAfter
                try await store.journal.append(
                    gone ? .conversationSetAside : .conversationUnreadable, conversationID: id,
                    detail: "\(error)" + (gone ? " (\(failed.failures) times; read again when it changes)" : ""), at: now)
                if failed.failures == 1 || gone {
                    logger.warning("\(id) could not be read (\(error)); the other conversations go on\(gone ? "; set aside until it changes" : "")")
                }
            case .success(let detail)?:
                details[id] = detail
                let messages = Self.clientMessages(of: detail, in: id)
                seenInDetails += messages.map(\.id)
                if firstStart {
                    record.history += messages
                    record.marks[id] = ConversationMark(
                        time: signature.time, latestID: signature.latestID, unread: signature.unread, detailed: true)
                    continue
                }
                if mark?.detailed == true {
                    found += messages
                    try await noticeGap(in: detail, mark: mark)
                } else {
                    // Its first read: older messages are history, told by time with an allowance.
                    // A mark from the future (a list time past the studio's clock, A24) is no line between
                    // history and news: the next messages would fall before it, for hours (the simulator found it).
                    let from = min(mark?.time ?? floor ?? .min, ceiling).minus(Self.historySlack)
                    found += messages.filter { $0.sentAt.microseconds >= from }
                    record.history += messages.filter { $0.sentAt.microseconds < from }
                }
                // Written only when it changed: a read of the rotation or a sweep mostly changes nothing, and
                // an idle poll that writes nothing costs no disk (nor meets a full one).
                let accepted = accept(signature, read: detail, previous: mark, now: now.timeIntervalSince1970)
                if accepted != mark { record.marks[id] = accepted }
            case nil:
                break
            }
        }
        let known = try store.ledger.knownMessageIDs(found.map(\.id) + record.history.map(\.id))
        record.history = record.history.filter { !known.contains($0.id) }
        record.events = Dictionary(grouping: found.filter { !known.contains($0.id) }, by: \.id).compactMap(\.value.first)
            .sorted { ($0.conversationID ?? "", $0.sentAt, $0.id) < ($1.conversationID ?? "", $1.sentAt, $1.id) }
        if firstStart { record.events = [] }
        // The client's name of each conversation with news, for what a person reads (status, the journal).
        for id in Set(record.events.compactMap(\.conversationID)) {
            if let name = details[id]?.client?.name { record.names[id] = name }
        }
        // The followers first, the lead last: the lead's marks decide what the next poll finds again,
        // so a follower whose state fails (a lock, a full disk) makes the whole poll fail before they
        // move, and the retried poll finds the same messages for everyone (recording is idempotent).
        for follower in followers {
            // A script new to the daemon starts now: what is new to the others is history to it.
            var own = record
            if try follower.ledger.watermark() == nil {
                own.history += own.events
                own.events = []
            }
            try follower.ledger.record(own, at: now)
        }
        try store.ledger.record(record, at: now)
        if sweep || firstStart { try store.settings.set(.lastSweep, String(now.timeIntervalSince1970)) }
        let hidden = record.events.filter { netOnly.contains($0.conversationID ?? "") }.count
        if hidden > 0 {
            let by = sweep ? "the sweep" : "a conversation read in the slow rotation"
            logger.warning("\(by) found \(hidden) message(s) the API's list did not show as new; answering them late")
            noteQuirk("hid \(hidden) message(s) from the list")
        }
        try rememberQuirks(now: now, wasWary: wary)
        var result = Result(
            events: record.events, requests: requests, unordered: !list.ordered, firstStart: firstStart, conversations: details)
        result.swept = sweep
        result.readsAgain = !memory.lagging.withLock { $0.isEmpty } || results.values.contains { if case .failure = $0 { true } else { false } }
        return result
    }
}
