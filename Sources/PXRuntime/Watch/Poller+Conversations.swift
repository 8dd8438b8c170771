import Foundation
import Logging
import PixiesetKit
import PixiesetModels
import PXState
import Synchronization

/// The conversation side of a poll: what changed, the reads in full, what a read shows.
extension Poller {
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
    func accept(_ signature: ConversationMark, read detail: Conversation, previous: ConversationMark?, now: Double) -> ConversationMark {
        var accepted = signature
        accepted.detailed = true
        let newest = detail.messages?.map(\.sentAt.microseconds).max() ?? .min
        let hasLatest = signature.latestID.map { id in detail.messages?.contains { $0.id == id } ?? false } ?? true
        // Whole seconds: a read within the same second is not behind.
        let lags = !hasLatest || newest < signature.time.minus(1_000_000)
        guard lags else {
            memory.lagging.withLock { _ = $0.removeValue(forKey: detail.id) }
            return accepted
        }
        noteQuirk("showed a conversation's details behind its list")
        let since = memory.lagging.withLock { lagging -> Double in
            if lagging[detail.id] == nil { lagging[detail.id] = now }
            return lagging[detail.id] ?? now
        }
        if now - since >= Self.lagLimit {
            memory.lagging.withLock { _ = $0.removeValue(forKey: detail.id) }
            if memory.warned.first("lag:" + detail.id) {
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
    func noticeGap(in detail: Conversation, mark: ConversationMark?) async throws {
        guard let messages = detail.messages, let oldest = messages.map(\.sentAt).min(),
              let known = try store.ledger.newestKnownMessage(in: detail.id) else { return }
        let returned = Set(messages.map(\.id))
        let gap = !returned.contains(known.id) && oldest.microseconds > known.sentAt
        if gap { noteQuirk("returned only the latest messages of a conversation") }
        if gap, memory.warned.first("gap:" + detail.id) {
            logger.warning(
                "\(detail.id): the API returned only its latest \(messages.count) messages, newer than the last one seen (\(known.id)); messages in between cannot be read and may be missed")
        }
    }

    /// Reads conversations in full, `concurrency` at a time. An API error is the conversation's
    /// own (a 404, a 403, an answer that cannot be read, errors that kept coming for it: one
    /// conversation the studio cannot serve must not make the daemon deaf to the others); an
    /// expired session or an unreachable API ends the poll, for the daemon to deal with.
    func readDetails(_ ids: [String]) async throws -> [String: Swift.Result<Conversation, PixiesetError>] {
        try await withThrowingTaskGroup(of: (String, Swift.Result<Conversation, PixiesetError>).self) { group in
            var pending = ids[...], results: [String: Swift.Result<Conversation, PixiesetError>] = [:]
            func start() {
                guard let id = pending.popFirst() else { return }
                group.addTask {
                    do {
                        return (id, .success(try await client.conversation(id, messages: true)))
                    } catch let error as PixiesetError where Self.isConversationsOwn(error) || StudioTrouble.isPassing(error) {
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
        case .sessionExpired, .csrfRefused, .unreachable, .keptFailing, .file, .sendPending, .invalidRequest: false
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
