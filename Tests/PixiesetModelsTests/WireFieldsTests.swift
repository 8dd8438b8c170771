import Foundation
import PixiesetModels
import Testing

/// The wire fields of the models are listed once (their coding keys); the hand-written paths that
/// do not go through `Codable` for speed — the sandbox's writer and the reader of sent messages —
/// are held to that list here, so a field added to a model cannot be missed by one of them.
@Suite("wire fields, listed once")
struct WireFieldsTests {
    static let attachment = Attachment(id: "att_AAAAAAAAAAAA", filename: "Guide.pdf", fileSize: 1234, contentType: "application/pdf", url: "https://files.example/a")
    static let message = Message(
        id: "msg_AAAAAAAAAAAA", conversationID: "conv_AAAAAAAAAAAA", content: "Hi \"Ann\" ☕\n", sentAt: Timestamp(microseconds: 1_772_355_600_123_456),
        senderType: .photographer, senderID: "usr_1", readAt: Timestamp(parsing: "2026-03-01T09:00:00Z"), attachments: [attachment])

    static func keys(_ json: [UInt8]) throws -> Set<String> {
        try Set(#require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any]).keys)
    }

    static func written(_ value: some WireWritable) -> [UInt8] {
        var writer = JSONWriter()
        value.write(to: &writer)
        return writer.bytes
    }

    @Test("the sandbox's writer writes every field of each model, and no other")
    func writer() throws {
        #expect(try Self.keys(Self.written(Self.message)) == Set(Message.wireFields))
        #expect(try Self.keys(Self.written(Self.attachment)) == Set(Attachment.wireFields))
        let participant = Participant(id: "cli_1", name: "Ann", email: "ann@example.com", type: .client, avatarColor: 3)
        #expect(try Self.keys(Self.written(participant)) == Set(Participant.wireFields))
        let conversation = Conversation(
            id: "conv_AAAAAAAAAAAA", clientID: "cli_1", subject: "Wedding", createdAt: Self.message.sentAt, updatedAt: Self.message.sentAt,
            lastMessageAt: Self.message.sentAt, status: .active, unreadCount: 1, participants: [participant], messages: [Self.message])
        #expect(try Self.keys(Self.written(conversation)) == Set(Conversation.wireFields))
    }

    @Test("the fast reader of a sent message reads every field the writer wrote, as Codable would")
    func reader() throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("data")
        Self.message.write(to: &writer)
        writer.endObject()
        let read = try #require(WireReader.sentMessage(writer.bytes))
        #expect(read == Self.message)
        #expect(read == (try JSONDecoder().decode(Envelope<Message>.self, from: Data(writer.bytes)).data))
    }
}
