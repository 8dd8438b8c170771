import Foundation
import Logging
import PixiesetKit
import PixiesetModels

/// Finds new client messages (SPEC §6 "Watermarks", "Polling").
///
/// One request per idle poll: the first page of the list, newest activity
/// first, read down to the global watermark; a conversation whose
/// `last_message_at` equals the mark recorded for it has nothing new. Each
/// conversation that moved costs one more request (its messages). Unread
/// flags are never used, so a message the photographer already read in the
/// web app is still seen. Watermarks are the server's times; comparisons are
/// `≥`, and the ledger drops messages it already holds, so two messages with
/// the same `sent_at` are each handled once.
public struct Poller: Sendable {
    let client: PixiesetClient
    let store: StateStore
    let logger: Logger
    /// `--since`: where the first poll reaches back to when the state has no watermark.
    let since: Date?
    let pageSize: Int
    /// Pages read at most when the list's order cannot be trusted.
    let fallbackPages: Int

    public init(client: PixiesetClient, store: StateStore, logger: Logger, since: Date? = nil, pageSize: Int = 50, fallbackPages: Int = 20) {
        self.client = client
        self.store = store
        self.logger = logger
        self.since = since
        self.pageSize = pageSize
        self.fallbackPages = fallbackPages
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
    }

    public func poll(now: Date) async throws -> Result {
        let stored = try store.watermark()
        let floor = stored ?? since.map { Int64(saturating: ($0.timeIntervalSince1970 * 1_000_000).rounded()) }
        let firstStart = floor == nil
        var requests = 0, page = 1, ordered = true
        var candidates: [Conversation] = [], newest: Int64?, scanned: [Conversation] = []
        while true {
            // With each conversation's latest message: the first start records it as history.
            let list = try await client.conversations(ConversationFilter(includeMessages: true), page: page, pageSize: pageSize)
            requests += 1
            let times = list.data.map { $0.lastMessageAt?.microseconds ?? 0 }
            if zip(times, times.dropFirst()).contains(where: { $0 < $1 }) { ordered = false }
            newest = max(newest ?? .min, times.max() ?? .min)
            scanned += list.data
            for (conversation, time) in zip(list.data, times) where floor.map({ time >= $0 }) ?? false {
                candidates.append(conversation)
            }
            let lastPage = list.meta?.lastPage ?? page
            guard page < lastPage, !list.data.isEmpty else { break }
            if firstStart {
                // The newest activity is on the first page, if the order holds.
                guard !ordered, page < fallbackPages else { break }
            } else if ordered {
                // Ordered: the next page can only hold news if this whole page did.
                guard let floor, times.allSatisfy({ $0 >= floor }) else { break }
            } else {
                guard page < fallbackPages else { break }
            }
            page += 1
        }
        if !ordered {
            logger.warning("the conversation list is not ordered by last_message_at; scanned \(page) page(s) instead of trusting it")
        }
        if firstStart {
            // History is never answered: start from the newest activity seen,
            // with each conversation's mark and latest client message kept.
            var record = PollRecord(watermark: newest == .min ? nil : newest)
            for conversation in scanned {
                record.marks[conversation.id] = conversation.lastMessageAt?.microseconds ?? 0
                record.history += Self.clientMessages(of: conversation, from: .min)
            }
            try store.record(record, at: now)
            return Result(events: [], requests: requests, unordered: !ordered, firstStart: true)
        }
        var record = PollRecord(watermark: newest == .min ? nil : newest)
        let marks = try store.conversationMarks(candidates.map(\.id))
        var found: [Message] = []
        var seen = Set<String>(), details: [String: Conversation] = [:]
        for conversation in candidates where seen.insert(conversation.id).inserted {
            let time = conversation.lastMessageAt?.microseconds ?? 0
            if let mark = marks[conversation.id], mark == time { continue }
            let detail = try await client.conversation(conversation.id, messages: true)
            requests += 1
            details[conversation.id] = detail
            // A conversation first seen now (a new inquiry) is read from the global watermark.
            let from = marks[conversation.id] ?? floor ?? 0
            found += Self.clientMessages(of: detail, from: from)
            record.marks[conversation.id] = max(time, detail.lastMessageAt?.microseconds ?? time)
        }
        let known = try store.knownMessageIDs(found.map(\.id))
        record.events = found.filter { !known.contains($0.id) }
            .sorted { ($0.conversationID ?? "", $0.sentAt, $0.id) < ($1.conversationID ?? "", $1.sentAt, $1.id) }
        try store.record(record, at: now)
        return Result(events: record.events, requests: requests, unordered: !ordered, firstStart: false, conversations: details)
    }

    /// The client messages of `conversation` sent at or after `from`
    /// (microseconds), each naming its conversation (the API may leave it out).
    private static func clientMessages(of conversation: Conversation, from: Int64) -> [Message] {
        (conversation.messages ?? []).filter { $0.senderType == .client && $0.sentAt.microseconds >= from }.map { message in
            var message = message
            if message.conversationID == nil { message.conversationID = conversation.id }
            return message
        }
    }
}
