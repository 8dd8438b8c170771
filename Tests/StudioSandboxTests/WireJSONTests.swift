import Foundation
import PixiesetModels
@testable import StudioSandbox
import Testing

/// The sandbox writes its hot answers with `JSONWriter`; these must be the
/// very bytes the models' `Encodable` conformance gives through `JSONResponse`.
@Suite("JSONWriter writes what JSONEncoder writes")
struct WireJSONTests {
    func expectSameBytes<T: Encodable & WireWritable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var writer = JSONWriter()
        value.write(to: &writer)
        let encoded = try JSONResponse.encoder.encode(value)
        #expect(
            String(decoding: writer.bytes, as: UTF8.self) == String(decoding: encoded, as: UTF8.self),
            sourceLocation: sourceLocation)
    }

    @Test("every demo conversation, every list page, both timestamp styles", arguments: [TimestampStyle.canonical, .plainSeconds])
    func demoData(style: TimestampStyle) async throws {
        try await withSandbox { sandbox, _ in
            let rendering = Rendering(timestamps: style, storageBaseURL: sandbox.origin)
            var query = ConversationQuery()
            query.includeMessages = true
            query.pageSize = 7
            for page in 1...7 {
                query.page = page
                try expectSameBytes(try sandbox.database.listConversations(query, rendering: rendering, unordered: false))
            }
            for id in try sandbox.database.conversationIDs(ofStudio: "st_HOME") {
                let conversation = try await sandbox.database.conversation(id: id, includeMessages: true, markRead: false, rendering: rendering)
                try expectSameBytes(Envelope(data: conversation))
                for message in conversation.messages ?? [] { try expectSameBytes(Envelope(data: message)) }
            }
        }
    }

    @Test("escapes, non-ASCII, absent and null fields")
    func edges() throws {
        var text = (0..<0x20).map { String(Character(Unicode.Scalar(UInt8($0)))) }.joined()
        text += "\"\\/\u{7F}é😀\u{2028} Smith & Co <b>"
        let message = Message(
            id: "msg_1", conversationID: nil, content: text, sentAt: Timestamp(microseconds: -1), senderType: "robot",
            senderID: nil, readAt: nil,
            attachments: [Attachment(id: "att_1", filename: "a \"b\".pdf", fileSize: nil, contentType: nil, url: nil)])
        try expectSameBytes(Envelope(data: message))
        let bare = Conversation(
            id: "conv_1", clientID: nil, subject: nil, createdAt: nil, updatedAt: nil, lastMessageAt: nil, status: nil,
            unreadCount: nil, participants: [Participant(id: "cl_1", name: nil, email: nil, type: "client", avatarColor: nil)],
            messages: [message])
        try expectSameBytes(Envelope(data: bare))
        try expectSameBytes(ConversationPage(data: [bare, bare], meta: nil))
        try expectSameBytes(ConversationPage(data: [], meta: PageMeta(currentPage: 3, perPage: 100, total: Int.max, lastPage: 1)))
        // The client's send body and the outbox's copy of a message go through it too.
        try expectSameBytes(SendMessageRequest(conversationID: "conv_1", content: text, attachmentIDs: ["att_1", "att_2"]))
        try expectSameBytes(SendMessageRequest(conversationID: "conv_1", content: ""))
        #expect(message.wireJSON == String(decoding: try JSONResponse.encoder.encode(message), as: UTF8.self))
    }
}
