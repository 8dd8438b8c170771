/// A JSON parser that follows RFC 8259 to the letter (no trailing commas,
/// no comments, no single quotes, no leading zeros, no bare control
/// characters in strings, valid UTF-8 and surrogate pairs) and says where
/// a text goes wrong (`line 1, column 8: …`). Foundation's parsers on Linux
/// accept `{"a":1,}`; a script that relies on that breaks on any other.
///
/// The values are built by a `JSONBuilder`, so `px.json.decode` builds Lua
/// values directly and `pxscript api` only checks.
public protocol JSONBuilder {
    associatedtype Value
    mutating func null() throws -> Value
    mutating func boolean(_ value: Bool) throws -> Value
    mutating func integer(_ value: Int64) throws -> Value
    mutating func number(_ value: Double) throws -> Value
    mutating func string(_ bytes: [UInt8]) throws -> Value
    mutating func array(_ items: [Value]) throws -> Value
    mutating func object(_ members: [(key: [UInt8], value: Value)]) throws -> Value
}

/// Where and why a text is not JSON.
public struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let reason: String
    /// The text ran out where the parser was: it is JSON cut short, not JSON gone wrong.
    public var atEnd = false
    public var description: String { "line \(line), column \(column): \(reason)" }
}

public struct StrictJSON<Builder: JSONBuilder> {
    private let bytes: [UInt8]
    private var index = 0
    private var builder: Builder
    /// Deeper nesting is refused (it would only serve to exhaust the stack).
    public static var maxDepth: Int { 512 }

    /// Parses `bytes` (one JSON text, any value at the top) with `builder`.
    public static func parse(_ bytes: [UInt8], with builder: Builder) throws -> Builder.Value {
        var parser = StrictJSON(bytes: bytes, builder: builder)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw parser.problem("unexpected text after the JSON value") }
        return value
    }

    private init(bytes: [UInt8], builder: Builder) {
        self.bytes = bytes
        self.builder = builder
    }

    /// `cut`: the token being read runs to the end of the text and could go on (`tr`, `\\u00`, half a
    /// character): the text is cut short there, not wrong.
    private func problem(_ reason: String, at position: Int? = nil, cut: Bool = false) -> JSONSyntaxError {
        let at = min(position ?? index, bytes.count)
        var line = 1, lineStart = 0
        for offset in 0..<at where bytes[offset] == 0x0A {
            line += 1
            lineStart = offset + 1
        }
        // Columns count characters, not bytes: UTF-8 continuation bytes are skipped.
        let column = bytes[lineStart..<at].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
        return JSONSyntaxError(line: line, column: column, reason: reason, atEnd: cut || index >= bytes.count)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func expect(_ literal: String, _ make: (inout Builder) throws -> Builder.Value) throws -> Builder.Value {
        let word = Array(literal.utf8)
        guard bytes.count - index >= word.count, bytes[index..<index + word.count].elementsEqual(word) else {
            throw problem("unexpected character (expected a value)", cut: word.starts(with: bytes[index...]))
        }
        index += word.count
        return try make(&builder)
    }

    private mutating func value(depth: Int) throws -> Builder.Value {
        guard depth < Self.maxDepth else { throw problem("nested deeper than \(Self.maxDepth) levels") }
        guard let byte = current else { throw problem("the text ends where a value was expected") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return try builder.string(try string())
        case UInt8(ascii: "t"): return try expect("true") { try $0.boolean(true) }
        case UInt8(ascii: "f"): return try expect("false") { try $0.boolean(false) }
        case UInt8(ascii: "n"): return try expect("null") { try $0.null() }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        case UInt8(ascii: "'"): throw problem("strings are written in double quotes")
        default: throw problem("unexpected character (expected a value)")
        }
    }

    private mutating func array(depth: Int) throws -> Builder.Value {
        index += 1
        var items: [Builder.Value] = []
        skipSpace()
        if current == UInt8(ascii: "]") {
            index += 1
            return try builder.array(items)
        }
        while true {
            skipSpace()
            if current == UInt8(ascii: "]") { throw problem("a trailing comma before ']'") }
            items.append(try value(depth: depth + 1))
            skipSpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return try builder.array(items)
            case nil: throw problem("the text ends inside an array (missing ']')")
            default: throw problem("expected ',' or ']' after an array item")
            }
        }
    }

    private mutating func object(depth: Int) throws -> Builder.Value {
        index += 1
        var members: [(key: [UInt8], value: Builder.Value)] = []
        skipSpace()
        if current == UInt8(ascii: "}") {
            index += 1
            return try builder.object(members)
        }
        while true {
            skipSpace()
            switch current {
            case UInt8(ascii: "\""): break
            case UInt8(ascii: "}"): throw problem("a trailing comma before '}'")
            case nil: throw problem("the text ends inside an object (missing '}')")
            default: throw problem("expected a member name in double quotes")
            }
            let key = try string()
            skipSpace()
            guard current == UInt8(ascii: ":") else { throw problem("expected ':' after a member name") }
            index += 1
            skipSpace()
            members.append((key, try value(depth: depth + 1)))
            skipSpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return try builder.object(members)
            case nil: throw problem("the text ends inside an object (missing '}')")
            default: throw problem("expected ',' or '}' after an object member")
            }
        }
    }

    private mutating func string() throws -> [UInt8] {
        let start = index
        index += 1
        var out: [UInt8] = []
        while true {
            guard let byte = current else { throw problem("the text ends inside a string", at: start) }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return out
            case UInt8(ascii: "\\"):
                index += 1
                try escape(into: &out)
            case 0x00..<0x20:
                throw problem("a control character inside a string (write it as \\n, \\t or \\u00XX)")
            case 0x80...:
                try utf8Sequence(into: &out)
            default:
                out.append(byte)
                index += 1
            }
        }
    }

    private mutating func escape(into out: inout [UInt8]) throws {
        guard let byte = current else { throw problem("the text ends inside a string") }
        index += 1
        if let simple = JSONEscape.simple(byte) {
            out.append(simple)
            return
        }
        switch byte {
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                    throw problem("a lone surrogate \\u\(String(scalar, radix: 16)) (its pair is missing)")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw problem("a surrogate pair whose second half is not a low surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw problem("a lone surrogate \\u\(String(scalar, radix: 16))")
            }
            out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
        default:
            throw problem("an unknown escape '\\\(Character(Unicode.Scalar(byte)))'", at: index - 2)
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - index >= 4 else {
            throw problem("\\u wants four hex digits", cut: bytes[index...].allSatisfy { $0.isHexDigit })
        }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw problem("\\u wants four hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// One UTF-8 encoded character, checked (no overlong forms, no surrogates).
    private mutating func utf8Sequence(into out: inout [UInt8]) throws {
        let lead = bytes[index]
        let (length, minimum): (Int, UInt32) = switch lead {
        case 0xC2...0xDF: (2, 0x80)
        case 0xE0...0xEF: (3, 0x800)
        case 0xF0...0xF4: (4, 0x10000)
        default: (0, 0)
        }
        guard length > 0, bytes.count - index >= length else {
            throw problem("invalid UTF-8 inside a string", cut: length > 0 && bytes[(index + 1)...].allSatisfy { $0 & 0xC0 == 0x80 })
        }
        var scalar = UInt32(lead) & (0xFF >> (length + 1))
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { throw problem("invalid UTF-8 inside a string") }
            scalar = scalar << 6 | UInt32(byte & 0x3F)
        }
        guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800..<0xE000).contains(scalar) else {
            throw problem("invalid UTF-8 inside a string")
        }
        out.append(contentsOf: bytes[index..<index + length])
        index += length
    }

    private mutating func number() throws -> Builder.Value {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { throw problem("a '-' without digits") }
        if first == UInt8(ascii: "0") {
            index += 1
            if let next = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) { throw problem("a number with a leading zero") }
        } else {
            skipDigits()
        }
        var integral = true
        if current == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard skipDigits() else { throw problem("a '.' without digits after it") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() else { throw problem("an exponent without digits") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral, let value = Int64(text) { return try builder.integer(value) }
        guard let value = Double(text), value.isFinite else { throw problem("a number too large to hold", at: start) }
        return try builder.number(value)
    }

    @discardableResult
    private mutating func skipDigits() -> Bool {
        let start = index
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        return index > start
    }
}

extension UInt8 {
    var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
