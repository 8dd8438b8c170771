import Foundation
import Logging
import PixiesetKit
import PixiesetModels
import Synchronization

/// Finds new client messages (SPEC §6 "Watermarks", "Polling") without
/// betting them on the API's timestamps, order or paging (issue 17,
/// docs/assumptions.md A21–A26).
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
///   API is answered late rather than never.
/// - Detail reads run `concurrency` (16) at a time, so slow answers overlap
///   instead of queueing: a poll over 50 changed conversations with one
///   answer in four 5 s slow takes about 5 s, not 25 (`ClientBench --poller`).
public struct Poller: Sendable {
    let client: PixiesetClient
    let store: StateStore
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
    private let memory = Memory()

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
        client: PixiesetClient, store: StateStore, logger: Logger, since: Date? = nil, pageSize: Int = 50, maxPages: Int = 20,
        concurrency: Int = 16, historyWindow: Double = 86_400, sweepInterval: Double = 600
    ) {
        self.client = client
        self.store = store
        self.logger = logger
        self.since = since
        self.pageSize = pageSize
        self.maxPages = maxPages
        self.concurrency = max(1, concurrency)
        self.historyWindow = historyWindow
        self.sweepInterval = sweepInterval
    }

    /// What this poller remembers between polls of one daemon: lagging reads,
    /// and which faults of the API it already warned about.
    private final class Memory: Sendable {
        /// Conversations whose details lag the list, with when that was first seen (seconds).
        let lagging = Mutex<[String: Double]>([:])
        let warned = Mutex<Set<String>>([])

        func firstTime(_ key: String) -> Bool { warned.withLock { $0.insert(key).inserted } }
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
    }

    static func micro(_ date: Date) -> Int64 { Int64(saturating: (date.timeIntervalSince1970 * 1_000_000).rounded()) }

    public func poll(now: Date) async throws -> Result {
        let stored = try store.watermark()
        let floor = stored ?? since.map(Self.micro)
        let firstStart = floor == nil
        let ceiling = Self.micro(now).plus(Self.futureSlack)
        let windowStart = Self.micro(now).minus(Int64(saturating: historyWindow * 1_000_000))
        let lastSweep = try store.setting(.lastSweep).flatMap(Double.init)
        let sweep = !firstStart && now.timeIntervalSince1970 - (lastSweep ?? 0) >= sweepInterval

        // 1. The list, as far as it may hold news.
        let list = try await readList(floor: floor, windowStart: sweep ? windowStart : nil, firstStart: firstStart, ceiling: ceiling)
        let marks = try store.conversationMarks(list.conversations.map(\.id))
        var record = PollRecord(watermark: list.newest)
        var requests = list.requests

        // 2. Which conversations to read in full.
        var reads: [(conversation: Conversation, mark: ConversationMark?)] = []
        for conversation in list.conversations {
            let signature = Self.signature(of: conversation)
            let mark = marks[conversation.id]
            if firstStart {
                // History is never answered: recent conversations are read in full so their history is known by id.
                if signature.time >= windowStart, signature.time <= ceiling, reads.count < pageSize {
                    reads.append((conversation, nil))
                } else {
                    record.marks[conversation.id] = signature
                    record.history += Self.clientMessages(of: conversation)
                }
                continue
            }
            if let mark {
                if Self.wantsRead(signature: signature, mark: mark, now: now.timeIntervalSince1970)
                    || (sweep && signature.time >= windowStart && mark.failures < Self.goneAfter)
                {
                    reads.append((conversation, mark))
                }
            } else if signature.time >= (floor ?? .min) || Self.hasNewClientMessage(conversation, since: floor ?? .min) || (sweep && signature.time >= windowStart) {
                reads.append((conversation, nil))
            } else {
                // Seen for the first time, and old: remembered, so a change later is noticed.
                record.marks[conversation.id] = signature
            }
        }

        // 3. The reads, `concurrency` at a time; a conversation's failure is its own.
        let results = try await readDetails(reads.map(\.conversation.id))
        requests += reads.count
        var found: [Message] = [], details: [String: Conversation] = [:]
        var seenInDetails: [String] = []
        for (conversation, mark) in reads {
            let signature = Self.signature(of: conversation)
            switch results[conversation.id] {
            case .failure(let error)?:
                var failed = mark ?? signature
                failed.failures += 1
                failed.retryAt = now.timeIntervalSince1970 + min(3_600, 30 * pow(2, Double(failed.failures - 1)))
                record.marks[conversation.id] = failed
                let gone = failed.failures >= Self.goneAfter
                try await store.journal(
                    gone ? "conversation set aside" : "conversation unreadable", conversationID: conversation.id,
                    detail: "\(error)" + (gone ? " (\(failed.failures) times; read again when it changes)" : ""), at: now)
                if failed.failures == 1 || gone {
                    logger.warning("\(conversation.id) could not be read (\(error)); the other conversations go on\(gone ? "; set aside until it changes" : "")")
                }
            case .success(let detail)?:
                details[conversation.id] = detail
                let messages = Self.clientMessages(of: detail, in: conversation.id)
                seenInDetails += messages.map(\.id)
                if firstStart {
                    record.history += messages
                    record.marks[conversation.id] = ConversationMark(
                        time: signature.time, latestID: signature.latestID, unread: signature.unread, detailed: true)
                    continue
                }
                if mark?.detailed == true {
                    found += messages
                    try await noticeGap(in: detail, mark: mark)
                } else {
                    // Its first read: older messages are history, told by time with an allowance.
                    let from = (mark?.time ?? floor ?? .min).minus(Self.historySlack)
                    found += messages.filter { $0.sentAt.microseconds >= from }
                    record.history += messages.filter { $0.sentAt.microseconds < from }
                }
                record.marks[conversation.id] = accept(signature, read: detail, previous: mark, now: now.timeIntervalSince1970)
            case nil:
                break
            }
        }
        let known = try store.knownMessageIDs(found.map(\.id) + record.history.map(\.id))
        record.history = record.history.filter { !known.contains($0.id) }
        record.events = Dictionary(grouping: found.filter { !known.contains($0.id) }, by: \.id).compactMap(\.value.first)
            .sorted { ($0.conversationID ?? "", $0.sentAt, $0.id) < ($1.conversationID ?? "", $1.sentAt, $1.id) }
        if firstStart { record.events = [] }
        try store.record(record, at: now)
        if sweep || firstStart { try store.setSetting(.lastSweep, String(now.timeIntervalSince1970)) }
        if sweep, !record.events.isEmpty {
            logger.warning("the sweep found \(record.events.count) message(s) the API's list did not show as new; answering them late")
        }
        var result = Result(
            events: record.events, requests: requests, unordered: !list.ordered, firstStart: firstStart, conversations: details)
        result.swept = sweep
        return result
    }

    // MARK: The list

    struct ListRead {
        var conversations: [Conversation]
        var requests: Int
        var ordered: Bool
        /// The newest `last_message_at` not from the future.
        var newest: Int64?
    }

    /// Reads pages while they may hold news: an ordered page wholly at or past the floor (or, for
    /// a sweep, past the window's start) may be followed by more; an unordered list is read to the
    /// bound. `meta.last_page` is not trusted to end it early.
    private func readList(floor: Int64?, windowStart: Int64?, firstStart: Bool, ceiling: Int64) async throws -> ListRead {
        var read = ListRead(conversations: [], requests: 0, ordered: true, newest: nil)
        var seen = Set<String>(), page = 1
        var metaLastPage: Int?
        while true {
            let list = try await client.conversations(ConversationFilter(includeMessages: true), page: page, pageSize: pageSize)
            read.requests += 1
            if let last = metaLastPage, page > last, !list.data.isEmpty, memory.firstTime("meta") {
                logger.warning("the API's meta.last_page said \(last), but page \(page) had conversations; pages are read as long as they hold news")
            }
            metaLastPage = list.meta?.lastPage
            let times = list.data.map { Self.signature(of: $0).time }
            if zip(times, times.dropFirst()).contains(where: { $0 < $1 }) { read.ordered = false }
            for (conversation, time) in zip(list.data, times) {
                if time > ceiling {
                    if memory.firstTime("future:" + conversation.id) {
                        logger.warning("\(conversation.id) says its last message is from the future (\(ISOTime.format(Date(timeIntervalSince1970: Double(time) / 1_000_000)))); it does not move the watermark")
                    }
                } else {
                    read.newest = max(read.newest ?? time, time)
                }
                if seen.insert(conversation.id).inserted { read.conversations.append(conversation) }
            }
            guard !list.data.isEmpty, page < maxPages else { break }
            // A page shorter than asked is the last, whatever meta says; a full one may not be.
            let mayContinue = list.data.count >= pageSize || (list.meta?.lastPage ?? page) > page
            guard mayContinue else { break }
            let oldest = times.filter { $0 <= ceiling }.min() ?? .max
            let threshold: Int64? = firstStart ? (read.newest.map { $0.minus(Self.historySlack) }) : [floor, windowStart].compactMap { $0 }.min()
            if read.ordered {
                // Ordered: the next page can only hold news if this whole page did.
                guard let threshold, oldest >= threshold else { break }
            }
            page += 1
        }
        if !read.ordered, memory.firstTime("unordered") {
            logger.warning("the conversation list is not ordered by last_message_at; every poll scans up to \(maxPages) page(s) instead of trusting it")
        }
        return read
    }

    // MARK: Conversations

    /// What the list says of `conversation`.
    static func signature(of conversation: Conversation) -> ConversationMark {
        ConversationMark(
            time: conversation.lastMessageAt?.microseconds ?? 0, latestID: conversation.messages?.last?.id, unread: conversation.unreadCount)
    }

    /// Whether a known conversation must be read: its signature changed, or a failed read is due again.
    static func wantsRead(signature: ConversationMark, mark: ConversationMark, now: Double) -> Bool {
        let changed = signature.time != mark.time || (signature.latestID != nil && signature.latestID != mark.latestID)
            || (signature.unread ?? 0) > (mark.unread ?? 0)
        if mark.failures >= goneAfter { return changed }
        if mark.failures > 0 { return changed || (mark.retryAt ?? 0) <= now }
        return changed
    }

    /// Whether the list's latest message of a conversation never seen is a client message newer than `since`.
    static func hasNewClientMessage(_ conversation: Conversation, since: Int64) -> Bool {
        guard let latest = conversation.messages?.last else { return false }
        return latest.senderType == .client && latest.sentAt.microseconds >= since.minus(historySlack)
    }

    /// The signature to keep after a read: the list's, unless the read lags it (its newest message
    /// older than the list's time, or without the list's latest message), then the previous one, so
    /// the conversation is read again next poll, for at most `lagLimit` seconds.
    private func accept(_ signature: ConversationMark, read detail: Conversation, previous: ConversationMark?, now: Double) -> ConversationMark {
        var accepted = signature
        accepted.detailed = true
        let newest = detail.messages?.map(\.sentAt.microseconds).max() ?? .min
        let hasLatest = signature.latestID.map { id in detail.messages?.contains { $0.id == id } ?? false } ?? true
        // Whole seconds: a read within the same second is not behind.
        let lags = !hasLatest || newest < signature.time - 1_000_000
        guard lags else {
            memory.lagging.withLock { _ = $0.removeValue(forKey: detail.id) }
            return accepted
        }
        let since = memory.lagging.withLock { lagging -> Double in
            if lagging[detail.id] == nil { lagging[detail.id] = now }
            return lagging[detail.id] ?? now
        }
        if now - since >= Self.lagLimit {
            memory.lagging.withLock { _ = $0.removeValue(forKey: detail.id) }
            if memory.firstTime("lag:" + detail.id) {
                logger.warning("\(detail.id): the API's list and the conversation disagree (a latest message the conversation does not show); the sweep reads it again")
            }
            return accepted
        }
        var kept = previous ?? ConversationMark(time: 0)
        kept.detailed = true
        kept.failures = 0
        kept.retryAt = nil
        return kept
    }

    /// Warns when a conversation read in full does not reach back to the newest client message
    /// already known: the API returned only its latest messages, and some in between may be missing.
    private func noticeGap(in detail: Conversation, mark: ConversationMark?) async throws {
        guard let messages = detail.messages, let oldest = messages.map(\.sentAt).min(),
              let known = try store.newestKnownMessage(in: detail.id) else { return }
        let returned = Set(messages.map(\.id))
        if !returned.contains(known.id), oldest.microseconds > known.sentAt, memory.firstTime("gap:" + detail.id) {
            logger.warning(
                "\(detail.id): the API returned only its latest \(messages.count) messages, newer than the last one seen (\(known.id)); messages in between cannot be read and may be missed")
        }
    }

    /// Reads conversations in full, `concurrency` at a time. An API error is the conversation's
    /// own (a 404, a 403, an answer that cannot be read); an expired session or an unreachable
    /// API ends the poll, for the daemon to deal with.
    private func readDetails(_ ids: [String]) async throws -> [String: Swift.Result<Conversation, PixiesetError>] {
        try await withThrowingTaskGroup(of: (String, Swift.Result<Conversation, PixiesetError>).self) { group in
            var pending = ids[...], results: [String: Swift.Result<Conversation, PixiesetError>] = [:]
            func start() {
                guard let id = pending.popFirst() else { return }
                group.addTask {
                    do {
                        return (id, .success(try await client.conversation(id, messages: true)))
                    } catch let error as PixiesetError where Self.isConversationsOwn(error) {
                        return (id, .failure(error))
                    }
                }
            }
            for _ in 0..<concurrency { start() }
            while let (id, result) = try await group.next() {
                results[id] = result
                start()
            }
            return results
        }
    }

    /// Errors that concern one conversation, not the session or the connection.
    static func isConversationsOwn(_ error: PixiesetError) -> Bool {
        switch error {
        case .api, .malformedResponse, .truncatedResponse, .invalidID: true
        default: false
        }
    }

    /// The client messages of `conversation`, each naming its conversation (the API may leave it out).
    static func clientMessages(of conversation: Conversation, in id: String? = nil) -> [Message] {
        (conversation.messages ?? []).filter { $0.senderType == .client }.map { message in
            var message = message
            if message.conversationID == nil || message.conversationID?.isEmpty == true { message.conversationID = id ?? conversation.id }
            return message
        }
    }
}
