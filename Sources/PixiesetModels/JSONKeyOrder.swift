/// The order of keys in a JSON object, which `Codable` does not keep
/// (`allKeys` follows a dictionary's order). Upload grants need it: their
/// form fields are posted in the order the server listed them.
public enum JSONKeyOrder {
    /// The keys of the object found by following `path` from the top-level
    /// object, in document order; `nil` if the path does not lead to an object.
    public static func keys(at path: [String], in json: some Collection<UInt8>) -> [String]? {
        var scanner = Scanner(bytes: Array(json))
        return scanner.keys(at: path[...])
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        mutating func keys(at path: ArraySlice<String>) -> [String]? {
            skipSpace()
            guard peek == UInt8(ascii: "{") else { return nil }
            index += 1
            var found: [String] = []
            skipSpace()
            if peek == UInt8(ascii: "}") { return path.isEmpty ? [] : nil }
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard peek == UInt8(ascii: ":") else { return nil }
                index += 1
                if let first = path.first, key == first {
                    return keys(at: path.dropFirst())
                }
                found.append(key)
                guard skipValue() else { return nil }
                skipSpace()
                if peek == UInt8(ascii: ",") {
                    index += 1
                } else if peek == UInt8(ascii: "}") {
                    return path.isEmpty ? found : nil
                } else {
                    return nil
                }
            }
        }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipSpace() {
            while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        /// A JSON string, escapes decoded.
        mutating func string() -> String? {
            guard peek == UInt8(ascii: "\"") else { return nil }
            index += 1
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() {
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll()
            }
            while let byte = peek {
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    flush()
                    guard let escaped = peek else { return nil }
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "u"):
                        guard var code = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(code), peek == UInt8(ascii: "\\") {
                            index += 1
                            guard peek == UInt8(ascii: "u") else { return nil }
                            index += 1
                            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                    default: scalars.append(Unicode.Scalar(escaped))
                    }
                default:
                    raw.append(byte)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
            else { return nil }
            index += 4
            return value
        }

        /// Skips one value of any kind; nesting is followed iteratively, so
        /// deep input cannot exhaust the stack.
        mutating func skipValue() -> Bool {
            var depth = 0
            while true {
                skipSpace()
                guard let byte = peek else { return false }
                switch byte {
                case UInt8(ascii: "\""):
                    guard string() != nil else { return false }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    index += 1
                    continue
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    index += 1
                    guard depth >= 0 else { return false }
                case UInt8(ascii: ","), UInt8(ascii: ":"):
                    guard depth > 0 else { return false }
                    index += 1
                    continue
                default:
                    // A number or a literal: up to the next delimiter.
                    index += 1
                    while let next = peek, !Scanner.delimiters.contains(next) { index += 1 }
                }
                if depth == 0 { return true }
            }
        }

        static let delimiters: Set<UInt8> = Set(",:{}[]\" \t\r\n".utf8)
    }
}
