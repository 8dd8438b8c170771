import Foundation
import PXRuntime
import PixiesetKit
import PixiesetModels

/// `pxscript watch SCRIPT --replay 30d`: a backtest on the real
/// inbox, read-only. The conversations active in the last days are read
/// (list and details: reads only), then played into a studio of its own on
/// a virtual clock, message by message at the times they were written,
/// while the script runs there as the daemon would, from an empty state.
/// pxscript's own earlier sends are left out: the replay's would-be replies
/// stand in their place, so the script sees what it would have seen. What
/// it sent there is the timeline of what it would have said.
public struct Replay: Sendable {
    public let script: String
    /// Seconds of history to replay.
    public let window: Double
    public let options: ScenarioOptions
    /// Conversations read at most (the newest first).
    public var limit = 2_000

    public init(script: String, window: Double, options: ScenarioOptions) {
        self.script = script
        self.window = window
        self.options = options
    }

    /// What the script would have sent, oldest first, with the real conversations' ids.
    /// - Parameters:
    ///   - client: the real studio's client; only reads are made with it.
    ///   - own: which message ids pxscript itself sent (left out of the replay).
    public func run(reading client: PixiesetClient, own: @Sendable ([String]) -> Set<String>, now: Date) async throws -> Timeline {
        let from = now.addingTimeInterval(-window)
        let conversations = try await recent(client, since: from)
        let messages = conversations.flatMap { conversation in
            (conversation.messages ?? []).filter { $0.senderType != .system }.map { (conversation.id, $0) }
        }
        let mine = own(messages.map(\.1.id))
        let played = messages.filter { !mine.contains($0.1.id) }.sorted { $0.1.sentAt < $1.1.sentAt }
        let earliest = played.first.map { Date(timeIntervalSince1970: $0.1.sentAt.secondsSince1970) } ?? from
        let log = ScenarioLog()
        var timeline: [SendRecord] = []
        let folder = (script as NSString).deletingLastPathComponent
        try await ScenarioRunner.withWorld(
            start: min(earliest, from).addingTimeInterval(-1), zone: options.zone, demo: false, folders: [folder.isEmpty ? "." : folder],
            options: options, log: log
        ) { world in
            // The conversations, then their history before the window (never answered: the daemon starts after it).
            var ids: [String: String] = [:]
            for conversation in conversations {
                let name = conversation.client?.name ?? "Client"
                let email = conversation.client?.email ?? "client-\(conversation.id.lowercased())@example.com"
                ids[conversation.id] = try await world.conversation(client: name, email: email, subject: conversation.subject)
            }
            let started = played.firstIndex { $0.1.sentAt.secondsSince1970 >= from.timeIntervalSince1970 } ?? played.count
            for (real, message) in played[..<started] { try await write(message, in: ids[real], world: world) }
            await world.clock.set(from)
            try await world.watch([(script as NSString).lastPathComponent], interval: 30)
            for (real, message) in played[started...] {
                await world.advance(to: Date(timeIntervalSince1970: message.sentAt.secondsSince1970))
                try await write(message, in: ids[real], world: world)
            }
            await world.advance(to: now)
            let back = Dictionary(ids.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
            timeline = await world.uncheckedSends().map { send in
                SendRecord(
                    id: send.id, conversation: back[send.conversation] ?? send.conversation, client: send.client, text: send.text, at: send.at,
                    attachments: send.attachments, line: send.line)
            }
            await world.finish()
        }
        return Timeline(sends: timeline, conversations: conversations.count, clientMessages: played.filter { $0.1.senderType == .client }.count)
    }

    /// What a replay found.
    public struct Timeline: Sendable {
        /// What the script would have sent, oldest first.
        public let sends: [SendRecord]
        public let conversations: Int
        public let clientMessages: Int
    }

    /// A real message played into the replay's studio at its time.
    private func write(_ message: Message, in conversation: String?, world: ScenarioWorld) async throws {
        guard let conversation else { return }
        let date = Date(timeIntervalSince1970: message.sentAt.secondsSince1970)
        if await world.daemon == nil { await world.clock.set(date) } else { await world.advance(to: date) }
        // An empty text (a message of attachments only) still counts as a message.
        let text = message.content.isEmpty ? "(attachments)" : message.content
        try await world.write(byClient: message.senderType == .client, conversation: conversation, text: text, after: nil)
    }

    /// The conversations whose latest message is at or after `since`, with their messages (reads only).
    private func recent(_ client: PixiesetClient, since: Date) async throws -> [Conversation] {
        var found: [Conversation] = []
        var page = 1
        while found.count < limit {
            let list = try await client.conversations(page: page, pageSize: 50)
            let fresh = list.data.filter { ($0.lastMessageAt?.secondsSince1970 ?? 0) >= since.timeIntervalSince1970 }
            for conversation in fresh where found.count < limit { found.append(try await client.conversation(conversation.id)) }
            // Newest first, as the seed says (docs/assumptions.md): a page without a recent conversation ends it.
            // Without `last_page`, a full page may have more after it.
            let more = list.meta.map { page < $0.lastPage } ?? (list.data.count == 50)
            guard !fresh.isEmpty, more, page < 200 else { break }
            page += 1
        }
        return found
    }
}
