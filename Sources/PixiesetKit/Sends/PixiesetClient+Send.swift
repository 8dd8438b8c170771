import Logging
import NIOHTTP1
import Foundation
import PixiesetModels

extension PixiesetClient {
    /// Sends a message, exactly once.
    ///
    /// A send is repeated only when it surely did not happen: no connection,
    /// or 429. When its outcome is unknown (timeout, reset, 5xx after the
    /// request was written) the conversation is searched first
    /// (`reconcile`); only if the message is not there is it sent again. If
    /// that search fails, `PixiesetError.sendPending` is thrown and nothing
    /// is repeated.
    ///
    /// - Parameters:
    ///   - excluding: ids of messages already matched to other sends, so two
    ///     sends of the same text each find their own message.
    ///   - now: the clock that dates attempts, in the studio's time (by
    ///     default this client's `StudioClock`; the runtime passes its own,
    ///     which reads the same offset).
    public func send(_ intent: SendIntent, excluding: Set<String> = [], now: (@Sendable () -> Date)? = nil) async throws
        -> SendOutcome
    {
        try await send(intent, excludingFrom: { excluding }, now: now)
    }

    /// `send`, with the ids to exclude read only if a search is needed (an
    /// outcome unknown), and then as they are at that moment: the outbox's
    /// matched messages cost a query that almost every send can skip.
    public func send(
        _ intent: SendIntent, excludingFrom excluded: @Sendable () async throws -> Set<String>, now: (@Sendable () -> Date)? = nil
    ) async throws -> SendOutcome {
        try Self.check(.conversation, intent.conversationID)
        for id in intent.attachmentIDs { try Self.check(.attachment, id) }
        var body = JSONWriter(capacity: 128 + intent.content.utf8.count)
        SendMessageRequest(conversationID: intent.conversationID, content: intent.content, attachmentIDs: intent.attachmentIDs)
            .write(to: &body)
        let request = Request(method: .POST, url: configuration.baseURL.url(["conversation_messages"]), body: body.bytes)
        await measureClock()
        let studio = configuration.studioClock
        let firstAttempt = now?() ?? studio.now()
        return try await retrying("send to \(intent.conversationID)") { _ in
            let left = studio.localNow()
            let unknown: (reason: RetryReason, retryAfter: Duration?, detail: String, likelyStored: Bool)
            switch await attemptOnce(request) {
            case .success(let response):
                // Read directly when the answer is plain; anything else goes through JSONDecoder.
                if let message = try? WireReader.sentMessage(response.body) ?? decode(Envelope<Message>.self, from: response).data {
                    studio.observe(storedAt: Date(timeIntervalSince1970: message.sentAt.secondsSince1970), left: left, arrived: studio.localNow())
                    return .done(.sent(message))
                }
                // The studio did something and its answer cannot be read (empty, cut short,
                // not the message): an unknown outcome, like a 5xx after the request was written.
                unknown = (.cutShort, nil, "HTTP \(response.status) with an answer that cannot be read (\(response.body.count) bytes)", true)
            case .failure(let error):
                throw error
            case .csrfSuspect(let detail):
                throw await settleWriteRefusal(detail: detail)
            case .retryable(let reason, let retryAfter, let written, let detail):
                guard written else { return .again(reason: reason, retryAfter: retryAfter, detail: "\(detail) (not sent)") }
                unknown = (reason, retryAfter, detail, Self.suggestsStored(reason))
            }
            // The server may have stored it: look before sending again.
            var found: Message?
            do {
                found = try await reconcile(intent, since: firstAttempt, excluding: try await excluded())
                if found == nil, unknown.likelyStored { found = try await settledSearch(intent, since: firstAttempt, excluded: excluded) }
            } catch {
                throw PixiesetError.sendPending(
                    conversationID: intent.conversationID, detail: "\(unknown.detail), and checking the conversation failed: \(error)")
            }
            if let found {
                logger.info("send to \(intent.conversationID): \(unknown.detail), but the message was stored (\(found.id)); not sending again")
                return .done(.reconciled(found))
            }
            return .again(reason: unknown.reason, retryAfter: unknown.retryAfter, detail: "\(unknown.detail) (not stored)")
        }
    }

    /// Failures after which the studio has most likely done the work: a
    /// gateway that lost the answer (502, 504), a timeout, a connection cut
    /// mid-answer. A 500 or 503 is the studio refusing before it began.
    static func suggestsStored(_ reason: RetryReason) -> Bool {
        switch reason {
        case .status(let status): status == 502 || status == 504
        case .timedOut, .cutShort, .other: true
        case .noConnection: false
        }
    }

    /// The second search, after `RetryPolicy.settleDelay`, for an API that
    /// shows a stored message a moment late.
    private func settledSearch(
        _ intent: SendIntent, since: Date, excluded: @Sendable () async throws -> Set<String>
    ) async throws -> Message? {
        try await configuration.pause(configuration.retry.settleDelay)
        return try await reconcile(intent, since: since, excluding: try await excluded())
    }

    /// What a send of `intent` would be refused for, without sending it (a
    /// dry run's plan): the same id checks as `send`, then the conversation
    /// read, which fails as the send would for a conversation that does not
    /// exist (404) or is not this studio's (403).
    /// - Returns: the conversation the message would go to.
    public func checkSendTarget(_ intent: SendIntent) async throws -> Conversation {
        try Self.check(.conversation, intent.conversationID)
        for id in intent.attachmentIDs { try Self.check(.attachment, id) }
        return try await conversation(intent.conversationID, messages: false)
    }

    /// Makes sure the studio's clock has been read before a send is dated:
    /// one cheap read (the unread count) when no answer of this process has
    /// carried the time yet, none otherwise. Runs that read before they send
    /// (almost all) never pay for it. A failed read is left to the send,
    /// which fails the same way.
    public func measureClock() async {
        guard !configuration.studioClock.isMeasured else { return }
        _ = try? await unreadCount()
    }

    /// Looks for the message of `intent` in its conversation: a studio
    /// message with the same normalised text and attachment names, sent no
    /// earlier than `since` (studio time) less the skew allowance, not in
    /// `excluding`.
    /// The earliest such message wins. Used after a lost answer, and by the
    /// runtime's outbox after a crash.
    ///
    /// - Returns: the message, or `nil` when the send did not happen.
    /// - Throws: when the conversation cannot be read (the send then stays pending).
    public func reconcile(_ intent: SendIntent, since: Date, excluding: Set<String> = []) async throws -> Message? {
        let conversation = try await conversation(intent.conversationID, messages: true)
        let skew = Double(configuration.reconciliationSkew.components.seconds)
        let earliest = (since.timeIntervalSince1970 - skew) * 1_000_000
        let clients = Set([conversation.clientID].compactMap { $0 } + (conversation.participants ?? []).filter { $0.type == .client }.map(\.id))
        return (conversation.messages ?? [])
            .filter { !excluding.contains($0.id) && Double($0.sentAt.microseconds) >= earliest && intent.matches($0, clients: clients) }
            .min { $0.sentAt < $1.sentAt }
    }
}
