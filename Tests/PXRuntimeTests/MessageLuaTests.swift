import LuaKit
import PixiesetModels
@testable import PXRuntime
@testable import PXState
import Testing

@Suite("Messages as Lua tables")
struct MessageLuaTests {
    @Test("the table px.send returns is exactly what LuaValueEncoder makes of the message, for every field set or missing")
    func sameAsEncoder() throws {
        let sent = Timestamp(microseconds: 1_772_355_600_123_456)
        let read = Timestamp(parsing: "2026-03-01T09:00:00Z")!
        let full = Attachment(id: "att_AAAAAAAAAAAA", filename: "Price guide.pdf", fileSize: 123_456, contentType: "application/pdf", url: "https://files.example/a")
        let bare = Attachment(id: "att_BBBBBBBBBBBB", filename: "", fileSize: nil, contentType: nil, url: nil)
        let messages = [
            Message(id: "msg_AAAAAAAAAAAA", conversationID: "conv_AAAAAAAAAAAA", content: "Hi Ana! Café ☕ \"quoted\"\n", sentAt: sent,
                    senderType: .photographer, senderID: "usr_1", readAt: read, attachments: [full, bare]),
            Message(id: "msg_BBBBBBBBBBBB", conversationID: nil, content: "", sentAt: sent, senderType: SenderType(rawValue: "bot"),
                    senderID: nil, readAt: nil, attachments: []),
            Message(id: "msg_CCCCCCCCCCCC", conversationID: "conv_CCCCCCCCCCCC", content: "x", sentAt: read, senderType: .client,
                    senderID: "cl_1", readAt: nil, attachments: [bare]),
        ]
        for message in messages {
            let encoded = try LuaValueEncoder().encode(message)
            #expect(message.luaValue == encoded, "\(message.luaValue)\n\(encoded)")
        }
        // Every wire field of a message set in full is in its table (the list is kept once, `Message.wireFields`).
        guard case .map(let fields) = messages[0].luaValue else { Issue.record("not a table"); return }
        #expect(Set(fields.keys.compactMap(\.text)) == Set(Message.wireFields))
    }
}
