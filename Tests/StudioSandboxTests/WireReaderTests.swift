import Foundation
import PixiesetModels
import StudioSandbox
import Testing

/// `WireReader` against `JSONDecoder`: over generated answers (fields
/// present, missing, null or of the wrong type, escapes, surrogate pairs,
/// numbers of every form, duplicate keys, bytes cut short), the reader
/// either gives up or gives exactly what `JSONDecoder` gives, and it does
/// not give up on the answers a studio actually sends.
@Suite("Reading a sent message without JSONDecoder")
struct WireReaderTests {
    /// JSON text of a string, escaped in one of several ways.
    static func quoted(_ text: String, _ random: inout SeededRandom) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch (scalar.value, Int.random(in: 0..<4, using: &random)) {
            case (0x22, _): out += "\\\""
            case (0x5C, _): out += "\\\\"
            case (0..<0x20, _), (_, 0) where scalar.value < 0x10000:
                out += String(format: "\\u%04X", scalar.value)
            case (0x10000..., 0):
                let v = scalar.value - 0x10000
                out += String(format: "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
            case (0x2F, 1): out += "\\/"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static let texts = ["", "Hi Ana!", "Café", "Cafe\u{301}", "line\nbreak\ttab", "quote \" and \\ slash /", "😀 emoji", "\u{0}", "att_AAAAAAAAAAAA",
                        "2026-11-25T09:40:03.100664Z", "2026-03-01T09:00:00Z", "2026-03-01T09:00:00+01:00", "not a time", "12", "-7", "1.5", "1e3", "ＩＤ"]

    /// A value for a field: usually of the right kind, sometimes not.
    static func value(_ kind: String, _ random: inout SeededRandom, depth: Int = 0) -> String {
        switch Int.random(in: 0..<12, using: &random) {
        case 0: return "null"
        case 1: return ["true", "false"].randomElement(using: &random)!
        case 2: return ["0", "12", "-3", "1.5", "2e3", "-0", "123456789012345678901", "007"].randomElement(using: &random)!
        case 3 where depth < 2: return "{\"x\":" + value("any", &random, depth: depth + 1) + "}"
        case 4 where depth < 2: return "[" + value("any", &random, depth: depth + 1) + "]"
        case 5: return quoted(texts.randomElement(using: &random)!, &random)
        default:
            switch kind {
            case "time": return quoted(["2026-11-25T09:40:03.100664Z", "2026-03-01T09:00:00Z", "2026-03-01T09:00:00.5+01:00", "yesterday"]
                .randomElement(using: &random)!, &random)
            case "int": return ["12", "0", "-1", "\"42\"", "\"x\""].randomElement(using: &random)!
            case "attachments":
                // Now and then one element that is not an attachment among good ones: the whole list is lost.
                return "[" + (0..<Int.random(in: 0...3, using: &random)).map { _ in
                    Int.random(in: 0..<6, using: &random) == 0 ? ["null", "12", "\"x\"", "{}", "[]"].randomElement(using: &random)! : attachment(&random)
                }.joined(separator: ",") + "]"
            default: return quoted(texts.randomElement(using: &random)!, &random)
            }
        }
    }

    static func object(_ fields: [(String, String)], _ random: inout SeededRandom) -> String {
        var entries = fields.filter { _ in Int.random(in: 0..<10, using: &random) > 0 }.map { (quoted($0.0, &random), $0.1) }
        if Int.random(in: 0..<8, using: &random) == 0 { entries.append((quoted("extra", &random), value("any", &random))) }
        if Int.random(in: 0..<20, using: &random) == 0, let first = entries.first { entries.append(first) }  // a duplicate key
        entries.shuffle(using: &random)
        let space = [" ", "", "\n  "].randomElement(using: &random)!
        return "{" + space + entries.map { "\($0.0):\(space)\($0.1)" }.joined(separator: "," + space) + space + "}"
    }

    static func attachment(_ random: inout SeededRandom) -> String {
        object([("id", value("text", &random)), ("filename", value("text", &random)), ("file_size", value("int", &random)),
                ("content_type", value("text", &random)), ("url", value("text", &random))], &random)
    }

    static func answer(_ random: inout SeededRandom) -> String {
        let message = object([
            ("id", value("text", &random)), ("conversation_id", value("text", &random)), ("content", value("text", &random)),
            ("sent_at", value("time", &random)), ("sender_type", value("text", &random)), ("sender_id", value("text", &random)),
            ("read_at", value("time", &random)), ("attachments", value("attachments", &random)),
        ], &random)
        return "{\"data\":" + message + "}"
    }

    /// Equal as messages, and written back identically (timestamps keep their text).
    static func same(_ a: Message?, _ b: Message?) -> Bool { a == b && a?.wireJSON == b?.wireJSON }

    @Test("over 20,000 generated answers, the reader gives up or agrees with JSONDecoder, byte for byte")
    func agreesWithDecoder() {
        var random = SeededRandom(seed: 20_261_125)
        var read = 0
        for _ in 0..<20_000 {
            var bytes = Array(Self.answer(&random).utf8)
            if Int.random(in: 0..<25, using: &random) == 0 { bytes.removeLast(Int.random(in: 1...min(8, bytes.count), using: &random)) }
            let decoded = try? JSONDecoder().decode(Envelope<Message>.self, from: Data(bytes)).data
            guard let fast = WireReader.sentMessage(bytes) else { continue }
            read += 1
            #expect(Self.same(fast, decoded), "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(read > 2_000, "the reader took only \(read) answers")
    }

    @Test("answers as the studio sends them take the fast path")
    func studioAnswers() throws {
        let attachment = Attachment(id: "att_AAAAAAAAAAAA", filename: "Price guide.pdf", fileSize: 52_311, contentType: "application/pdf", url: "https://files.example/a?x=1&y=2")
        let messages = [
            Message(id: "msg_AAAAAAAAAAAA", conversationID: "conv_AAAAAAAAAAAA", content: "Hi Ana! Café ☕ \"quoted\" \\ /\n😀",
                    sentAt: Timestamp(microseconds: 1_772_355_600_123_456), senderType: .photographer, senderID: nil, readAt: nil, attachments: [attachment]),
            Message(id: "msg_BBBBBBBBBBBB", conversationID: "conv_BBBBBBBBBBBB", content: "", sentAt: Timestamp(microseconds: 1),
                    senderType: .client, senderID: "cl_1", readAt: Timestamp(microseconds: 2), attachments: []),
        ]
        for message in messages {
            let bytes = Array(#"{"data":"#.utf8) + Array(message.wireJSON.utf8) + Array("}".utf8)
            let fast = try #require(WireReader.sentMessage(bytes))
            #expect(Self.same(fast, message))
            let encoded = try JSONEncoder().encode(Envelope(data: message))
            #expect(Self.same(WireReader.sentMessage(Array(encoded)), message))
        }
    }
}
