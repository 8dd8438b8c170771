import Foundation
import NIOHTTP1
import PixiesetModels

/// The filters of `GET /conversations/` (all optional).
public struct ConversationFilter: Sendable, Hashable {
    public var clientID: String?
    public var includeMessages = false
    /// `message_status`, e.g. `inbox`.
    public var messageStatus: String?

    public init(clientID: String? = nil, includeMessages: Bool = false, messageStatus: String? = nil) {
        self.clientID = clientID
        self.includeMessages = includeMessages
        self.messageStatus = messageStatus
    }

    func query(page: Int?, pageSize: Int?) -> [(String, String)] {
        var query: [(String, String)] = []
        if let clientID { query.append(("client_id", clientID)) }
        if let page { query.append(("page", String(page))) }
        // The seed names it page_size; the API's pagination page per_page for most lists
        // (docs/assumptions.md A19). Both are sent: a server reads the one it knows.
        if let pageSize { query += [("page_size", String(pageSize)), ("per_page", String(pageSize))] }
        if includeMessages { query.append(("message", "true")) }
        if let messageStatus { query.append(("message_status", messageStatus)) }
        return query
    }
}

extension PixiesetClient {
    /// One page of conversations (`GET /conversations/`).
    public func conversations(_ filter: ConversationFilter = .init(), page: Int? = nil, pageSize: Int? = nil) async throws
        -> ConversationPage
    {
        if let clientID = filter.clientID { try Self.check(.client, clientID) }
        let url = configuration.baseURL.url(["conversations"], trailingSlash: true, query: filter.query(page: page, pageSize: pageSize))
        let response = try await perform(Request(method: .GET, url: url))
        // Entry by entry: one bad conversation (nested deeper than a decoder reads) is set aside
        //, and only one entry's parse is ever held beside the answer.
        if !JSONSlices.tooManyValues(response.body), let page = pageEntryByEntry(response) { return page }
        // Not a list page: the whole answer's decoding says what is wrong with it.
        return try decode(ConversationPage.self, from: response)
    }

    /// The page, its entries decoded one by one; nil when its frame does not read.
    func pageEntryByEntry(_ response: APIResponse) -> ConversationPage? {
        let bytes = response.body
        guard let (whole, items) = JSONSlices.array(under: "data", in: bytes) else { return nil }
        let rest = Array(bytes[..<whole.lowerBound]) + Array("[]".utf8) + Array(bytes[whole.upperBound...])
        guard var page = try? JSONDecoder().decode(ConversationPage.self, from: Data(rest)) else { return nil }
        for (index, range) in items.enumerated() {
            if let conversation = try? JSONDecoder().decode(Conversation.self, from: Data(bytes[range])) {
                page.data.append(conversation)
            } else {
                page.unreadable.append(JSONSlices.string(under: "id", in: bytes[range]) ?? "#\(index + 1)")
            }
        }
        return page
    }

    /// One conversation with its participants and, by default, its messages.
    public func conversation(_ id: String, messages: Bool = true) async throws -> Conversation {
        try Self.check(.conversation, id)
        let url = configuration.baseURL.url(["conversations", id], trailingSlash: true, query: [("messages", messages ? "true" : "false")])
        let response = try await perform(Request(method: .GET, url: url))
        // Message by message: one message's parse beside the answer at a time, never a parse of the whole.
        if !JSONSlices.tooManyValues(response.body), let conversation = conversationMessageByMessage(response) { return conversation }
        // Anything else (a message that does not read, which must not vanish): the whole answer's decoding says what.
        return try decode(Envelope<Conversation>.self, from: response).data
    }

    /// The conversation of `response`, its messages decoded one by one; nil when its frame or any
    /// message does not read (a conversation's messages are never set aside, unlike a list's entries).
    func conversationMessageByMessage(_ response: APIResponse) -> Conversation? {
        let bytes = response.body
        guard let (whole, items) = JSONSlices.array(under: ["data", "messages"], in: bytes) else { return nil }
        let rest = Array(bytes[..<whole.lowerBound]) + Array("[]".utf8) + Array(bytes[whole.upperBound...])
        guard var conversation = try? JSONDecoder().decode(Envelope<Conversation>.self, from: Data(rest)).data else { return nil }
        var messages: [Message] = []
        messages.reserveCapacity(items.count)
        for range in items {
            guard let message = try? JSONDecoder().decode(Message.self, from: Data(bytes[range])) else { return nil }
            messages.append(message)
        }
        conversation.messages = messages
        return conversation
    }

    /// `GET /conversations/unread/count`.
    public func unreadCount() async throws -> UnreadCount {
        let url = configuration.baseURL.url(["conversations", "unread", "count"])
        return try decode(Envelope<UnreadCount>.self, from: try await perform(Request(method: .GET, url: url))).data
    }

    /// Refuses an id that could reach another endpoint (`..`, `/`, `?`, `#`).
    static func check(_ kind: ResourceID, _ id: String) throws {
        guard kind.isValid(id) else { throw PixiesetError.invalidID(kind: kind, id: id) }
    }
}
