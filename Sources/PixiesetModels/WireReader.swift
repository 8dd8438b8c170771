/// Reads the answer to a send (`{"data": Message}`) straight from its bytes.
///
/// Every send's answer was decoded by `JSONDecoder`, whose generic
/// `Codable` walk cost ~20 µs a message, a tenth of a bulk run's own
/// work. This reader takes only plain, well-formed input: anything it is
/// not sure of (a duplicate key, an odd number, a lone surrogate, a
/// missing required field) gives `nil`, and the caller then decodes with
/// `JSONDecoder` as before, so the two can never disagree.
/// `WireReaderTests` compares them over thousands of generated answers.
public enum WireReader {
    /// The message of a `{"data": …}` answer, or nil to decode it with `JSONDecoder`.
    public static func sentMessage(_ bytes: [UInt8]) -> Message? {
        bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            guard let root = parser.document(), case .object(let envelope) = root, case .object(let fields)? = envelope["data"] else {
                return nil
            }
            return message(fields)
        }
    }

    /// `Message.init(from:)`'s rules, field by field.
    static func message(_ fields: [String: Value]) -> Message? {
        guard case .string(let id)? = fields["id"], case .string(let sent)? = fields["sent_at"],
            let sentAt = Timestamp(parsing: sent)
        else { return nil }
        var attachments: [Attachment] = []
        if case .array(let items)? = fields["attachments"] {
            // Lenient as a whole: one attachment that does not decode loses the list.
            var decoded: [Attachment] = []
            for item in items {
                guard case .object(let object) = item else { decoded = []; break }
                guard case .string(let attachmentID)? = object["id"] else { decoded = []; break }
                guard let size = lenientInt(object["file_size"]) else { return nil }
                decoded.append(Attachment(
                    id: attachmentID, filename: string(object["filename"]) ?? "", fileSize: size,
                    contentType: string(object["content_type"]), url: string(object["url"])))
            }
            attachments = decoded
        }
        return Message(
            id: id, conversationID: string(fields["conversation_id"]), content: string(fields["content"]) ?? "", sentAt: sentAt,
            senderType: SenderType(rawValue: string(fields["sender_type"]) ?? ""), senderID: string(fields["sender_id"]),
            readAt: string(fields["read_at"]).flatMap(Timestamp.init(parsing:)), attachments: attachments)
    }

    private static func string(_ value: Value?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }

    /// `lenientInt`'s answer: a whole number, a string's `Int(text)`, else
    /// nil. The outer nil means "not sure" (the parser only keeps plain
    /// integers), so the caller gives up.
    private static func lenientInt(_ value: Value?) -> Int?? {
        switch value {
        case .number(let digits)?: Int(digits).map { .some($0) }
        case .string(let text)?: .some(Int(text))
        case nil, .null?, .bool?, .object?, .array?: .some(nil)
        }
    }

    enum Value {
        case string(String)
        /// The number's text, only when it is a plain integer.
        case number(String)
        case bool(Bool)
        case null
        case object([String: Value])
        case array([Value])
    }

    /// A strict JSON parser (RFC 8259) that gives up rather than guess.
    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        mutating func document() -> Value? {
            guard let value = value(depth: 0) else { return nil }
            skipSpace()
            return index == bytes.count ? value : nil
        }

        private mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        private mutating func value(depth: Int) -> Value? {
            guard depth < 16 else { return nil }
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            default: return integer()
            }
        }

        private mutating func literal(_ word: StaticString, _ value: Value) -> Value? {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count, word.withUTF8Buffer({ Array($0) == Array(bytes[index..<index + count]) }) else { return nil }
            index += count
            return value
        }

        /// Only `-?(0|[1-9][0-9]*)` with at most 18 digits; fractions and exponents give up.
        private mutating func integer() -> Value? {
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digitsStart = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            let digits = index - digitsStart
            guard digits > 0, digits <= 18, !(digits > 1 && bytes[digitsStart] == 0x30) else { return nil }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                return nil
            }
            return .number(String(decoding: bytes[start..<index], as: UTF8.self))
        }

        private mutating func object(depth: Int) -> Value? {
            var fields: [String: Value] = [:]
            guard var more = open(closing: UInt8(ascii: "}")) else { return nil }
            while more {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let item = value(depth: depth + 1), fields.updateValue(item, forKey: key) == nil,
                    let next = after(closing: UInt8(ascii: "}"))
                else { return nil }
                more = next
            }
            return .object(fields)
        }

        private mutating func array(depth: Int) -> Value? {
            var items: [Value] = []
            guard var more = open(closing: UInt8(ascii: "]")) else { return nil }
            while more {
                guard let item = value(depth: depth + 1), let next = after(closing: UInt8(ascii: "]")) else { return nil }
                items.append(item)
                more = next
            }
            return .array(items)
        }

        /// Past a container's opening bracket: whether an item follows
        /// (false for an empty container, its `close` consumed).
        private mutating func open(closing close: UInt8) -> Bool? {
            index += 1
            skipSpace()
            guard index < bytes.count else { return nil }
            if bytes[index] == close {
                index += 1
                return false
            }
            return true
        }

        /// After an item: true at a comma (another follows), false at
        /// `close` (the container ends), nil at anything else.
        private mutating func after(closing close: UInt8) -> Bool? {
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1; return true
            case close: index += 1; return false
            default: return nil
            }
        }

        /// A string from its opening quote; nil for a control character, a
        /// bad escape, a lone surrogate or bytes that are not UTF-8.
        private mutating func string() -> String? {
            index += 1
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"), bytes[index] >= 0x20 {
                index += 1
            }
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "\"") {
                defer { index += 1 }
                return String(validating: bytes[start..<index], as: UTF8.self)
            }
            var decoded = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return String(validating: decoded, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index + 1 < bytes.count else { return nil }
                    let escape = bytes[index + 1]
                    index += 2
                    if let simple = JSONEscape.simple(escape) {
                        decoded.append(simple)
                        continue
                    }
                    switch escape {
                    case UInt8(ascii: "u"):
                        guard let scalar = unicodeEscape() else { return nil }
                        decoded.append(contentsOf: String(Character(scalar)).utf8)
                    default: return nil
                    }
                default:
                    guard byte >= 0x20 else { return nil }
                    decoded.append(byte)
                    index += 1
                }
            }
            return nil
        }

        /// After `\u`: four hex digits, a surrogate pair as one scalar.
        private mutating func unicodeEscape() -> Unicode.Scalar? {
            guard let first = hex4() else { return nil }
            if (0xD800...0xDBFF).contains(first) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { return nil }
                index += 2
                guard let second = hex4(), (0xDC00...0xDFFF).contains(second) else { return nil }
                return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
            }
            return Unicode.Scalar(first)  // nil for a lone low surrogate
        }

        private mutating func hex4() -> UInt32? {
            guard bytes.count - index >= 4 else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case 0x30...0x39: digit = byte - 0x30
                case 0x41...0x46: digit = byte - 0x41 + 10
                case 0x61...0x66: digit = byte - 0x61 + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }
}
