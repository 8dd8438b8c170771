import PixiesetModels

/// What the poller's quirks do to the API's answers, applied to
/// the wire models after the database is read: the data stays right, only
/// what the API shows is wrong, as with a real service's faults.
struct QuirkLens: Sendable {
    let quirks: Quirks
    /// The sandbox clock now, in microseconds.
    let now: Int64
    /// The conversation `get_404` refuses (the studio's first by id).
    let unreadable: String?
    /// The conversation `future_timestamp` dates 3 hours ahead (the studio's last by id).
    let fromTheFuture: String?

    static let future: Int64 = 3 * 3_600 * 1_000_000

    var isIdentity: Bool {
        quirks.isDisjoint(with: [.studioAsClient, .coarseTimestamps, .noLastPage, .staleLastMessageAt, .futureTimestamp, .cappedMessages, .eventualConsistency])
    }

    func page(_ page: ConversationPage) -> ConversationPage {
        var page = page
        page.data = page.data.map { conversation($0, details: false) }
        if quirks.contains(.noLastPage), var meta = page.meta {
            meta.lastPage = meta.currentPage
            page.meta = meta
        }
        return page
    }

    func conversation(_ conversation: Conversation, details: Bool) -> Conversation {
        var conversation = conversation
        if quirks.contains(.staleLastMessageAt) { conversation.lastMessageAt = conversation.createdAt }
        if quirks.contains(.futureTimestamp), conversation.id == fromTheFuture, let last = conversation.lastMessageAt {
            conversation.lastMessageAt = Timestamp(microseconds: last.microseconds + Self.future)
        }
        if var messages = conversation.messages, details {
            if let delay = quirks.consistencyDelay {
                let visibleUntil = now - Int64(delay) * 1_000
                messages.removeAll { $0.sentAt.microseconds > visibleUntil }
            }
            if let cap = quirks.messageCap, messages.count > cap { messages = Array(messages.suffix(cap)) }
            conversation.messages = messages
        }
        conversation.messages = conversation.messages?.map(message)
        if quirks.contains(.coarseTimestamps) {
            conversation.createdAt = conversation.createdAt.map(Self.coarse)
            conversation.updatedAt = conversation.updatedAt.map(Self.coarse)
            conversation.lastMessageAt = conversation.lastMessageAt.map(Self.coarse)
        }
        return conversation
    }

    func message(_ message: Message) -> Message {
        var message = message
        if quirks.contains(.studioAsClient), message.senderType.isStudio { message.senderType = .client }
        if quirks.contains(.coarseTimestamps) {
            message.sentAt = Self.coarse(message.sentAt)
            message.readAt = message.readAt.map(Self.coarse)
        }
        return message
    }

    /// Whole seconds, in the seed's format.
    static func coarse(_ time: Timestamp) -> Timestamp {
        Timestamp(microseconds: time.microseconds - ((time.microseconds % 1_000_000) + 1_000_000) % 1_000_000)
    }
}
