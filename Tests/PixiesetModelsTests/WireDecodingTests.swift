import Foundation
import PixiesetModels
import Testing

/// The seed document, vendored in docs/seed so tests run without ../shared.
func seedDocument() throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return try String(contentsOf: root.appendingPathComponent("docs/seed/conversations-api.md"), encoding: .utf8)
}

/// Every ```json block of the seed, with the heading it sits under.
func seedExamples() throws -> [(heading: String, json: String)] {
    var out: [(String, String)] = []
    var heading = "", block: [String]? = nil
    for line in try seedDocument().split(separator: "\n", omittingEmptySubsequences: false) {
        if block == nil, line.hasPrefix("#") { heading = line.trimmingCharacters(in: CharacterSet(charactersIn: "# ")) }
        if line.hasPrefix("```json") { block = [] } else if line.hasPrefix("```"), let lines = block {
            out.append((heading, lines.joined(separator: "\n")))
            block = nil
        } else if block != nil { block?.append(String(line)) }
    }
    return out
}

@Suite("Decoding the API's JSON")
struct WireDecodingTests {
    let decoder = JSONDecoder()

    @Test("every JSON example of the seed decodes with the wire models")
    func seedExamplesDecode() throws {
        let examples = try seedExamples()
        #expect(examples.count == 9)
        var decoded = 0
        for (heading, json) in examples {
            let data = Data(json.utf8)
            switch heading {
            case "List Conversations":
                let page = try decoder.decode(ConversationPage.self, from: data)
                #expect(page.data.first?.messages?.first?.senderType == .client)
                #expect(page.meta == PageMeta(currentPage: 1, perPage: 25, total: 15, lastPage: 1))
            case "Get Conversation Details":
                let conversation = try decoder.decode(Envelope<Conversation>.self, from: data).data
                #expect(conversation.participants?.count == 2)
                #expect(conversation.messages?.last?.attachments.first?.fileSize == 245_760)
                #expect(conversation.messages?.first?.readAt == nil)
            case "Get Unread Count":
                #expect(try decoder.decode(Envelope<UnreadCount>.self, from: data).data == UnreadCount(unreadCount: 5, conversationsWithUnread: 3))
            case "Create Conversation Message":
                if json.contains("\"data\"") {
                    #expect(try decoder.decode(Envelope<Message>.self, from: data).data.senderType == .photographer)
                } else {
                    #expect(try decoder.decode(SendMessageRequest.self, from: data).attachmentIDs == ["att_PQR901STU234"])
                }
            case "Get Upload URL for Attachments":
                let grant = try decoder.decode(Envelope<UploadGrant>.self, from: data).data
                #expect(grant.uploadFields.count == 7)
                #expect(grant.attachmentID == "att_BCD012EFG345")
            case "Common Error Responses":
                let error = try decoder.decode(APIErrorBody.self, from: data)
                #expect(["CONVERSATION_NOT_FOUND", "ACCESS_DENIED", "FILE_TOO_LARGE"].contains(error.code))
                if error.code == "FILE_TOO_LARGE" { #expect(error.maxSize == 10_485_760) }
            default:
                Issue.record("an example under an unexpected heading: \(heading)")
            }
            decoded += 1
        }
        #expect(decoded == 9)
    }

    @Test("a page's size is read from per_page or page_size")
    func pageSizeNames() throws {
        let perPage = try decoder.decode(PageMeta.self, from: Data(#"{"current_page":1,"per_page":25,"total":3,"last_page":1}"#.utf8))
        let pageSize = try decoder.decode(PageMeta.self, from: Data(#"{"current_page":1,"page_size":"50","total":3,"last_page":1}"#.utf8))
        #expect(perPage.perPage == 25 && pageSize.perPage == 50)
    }

    @Test("unknown fields are ignored, missing optional fields are nil, numbers may be strings")
    func tolerant() throws {
        let json = #"""
            {"id":"conv_A1","last_message_at":"2025-08-07T10:30:00Z","unread_count":"3","pinned":true,"labels":["vip"],
             "participants":[{"id":"cl_1","type":"client","avatar_color":null,"nickname":"J"}],
             "messages":[{"id":"msg_1","sent_at":"2025-08-07T10:30:00.123Z","sender_type":"assistant","reactions":[]}]}
            """#
        let conversation = try decoder.decode(Conversation.self, from: Data(json.utf8))
        #expect(conversation.unreadCount == 3)
        #expect(conversation.subject == nil && conversation.status == nil)
        #expect(conversation.client?.id == "cl_1")
        let message = try #require(conversation.messages?.first)
        #expect(message.senderType.rawValue == "assistant")
        #expect(message.content == "" && message.attachments.isEmpty)
    }

    @Test("what cannot be done without is required, with an error that says so")
    func strictWhereItMatters() {
        #expect(throws: DecodingError.self) { try decoder.decode(ConversationPage.self, from: Data(#"{"items":[]}"#.utf8)) }
        #expect(throws: DecodingError.self) { try decoder.decode(Message.self, from: Data(#"{"id":"msg_1"}"#.utf8)) }
        #expect(throws: DecodingError.self) { try decoder.decode(Message.self, from: Data(#"{"id":"msg_1","sent_at":"soon"}"#.utf8)) }
        #expect(throws: DecodingError.self) { try decoder.decode(Conversation.self, from: Data(#"{"subject":"x"}"#.utf8)) }
    }

    @Test("encoding writes the seed's fields, read_at as an explicit null")
    func strictEncoding() throws {
        let message = Message(
            id: "msg_1", conversationID: "conv_1", content: "Hi", sentAt: Timestamp(microseconds: 0), senderType: .photographer,
            senderID: "photographer_123", readAt: nil, attachments: [])
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(message)) as? [String: Any])
        #expect(Set(object.keys) == ["id", "conversation_id", "content", "sent_at", "sender_type", "sender_id", "read_at", "attachments"])
        #expect(object["read_at"] is NSNull)
        #expect(object["sent_at"] as? String == "1970-01-01T00:00:00.000000Z")
        let error = try JSONEncoder().encode(APIErrorBody(error: "File size exceeds maximum allowed", code: "FILE_TOO_LARGE", maxSize: 10_485_760))
        #expect(try JSONSerialization.jsonObject(with: error) as? NSDictionary == [
            "error": "File size exceeds maximum allowed", "code": "FILE_TOO_LARGE", "max_size": 10_485_760,
        ])
    }

    @Test("upload fields keep the order the server sent")
    func uploadFieldOrder() throws {
        let names = ["key", "policy", "x-amz-signature", "Content-Type", "z-last", "a-first", "Mid\\u00e9"]
        let fields = names.map { #""\#($0)":"v""# }.joined(separator: ", ")
        let json = #"{"data": {"upload_url":"u","attachment_id":"att_1","nested":{"x":[1,{"y":"}"}]},"upload_fields":{\#(fields)}}}"#
        let grant = try UploadGrant.decode(from: Array(json.utf8))
        #expect(grant.uploadFields.map(\.name) == ["key", "policy", "x-amz-signature", "Content-Type", "z-last", "a-first", "Midé"])
        #expect(grant.method == "POST")
        let bare = try UploadGrant.decode(from: Array(#"{"upload_url":"u","attachment_id":"att_1","upload_fields":{"b":"1","a":"2"}}"#.utf8), at: [])
        #expect(bare.uploadFields.map(\.name) == ["b", "a"])
    }
}

@Suite("JSON key order")
struct JSONKeyOrderTests {
    @Test("keys in document order, through nesting, escapes and odd values")
    func order() {
        let json = #"{"a": [1, 2.5e3, true, null, {"x": "]"}], "b": {"k2": 1, "k1": {"deep": []}, "k3": "\"q\""}}"#
        #expect(JSONKeyOrder.keys(at: [], in: Array(json.utf8)) == ["a", "b"])
        #expect(JSONKeyOrder.keys(at: ["b"], in: Array(json.utf8)) == ["k2", "k1", "k3"])
        #expect(JSONKeyOrder.keys(at: ["b", "k1"], in: Array(json.utf8)) == ["deep"])
        #expect(JSONKeyOrder.keys(at: ["a"], in: Array(json.utf8)) == nil)
        #expect(JSONKeyOrder.keys(at: ["missing"], in: Array(json.utf8)) == nil)
    }

    @Test("malformed or hostile input gives nil, never a crash", arguments: [
        "", "{", "[]", #"{"a""#, #"{"a":}"#, #"{"a":1,}"#, #"{"a":"\u12"}"#, #"{"a":1 "b":2}"#,
        String(repeating: "[", count: 100_000), "{\"a\":" + String(repeating: "[", count: 100_000),
    ])
    func malformed(text: String) {
        #expect(JSONKeyOrder.keys(at: ["b"], in: Array(text.utf8)) == nil)
    }
}
