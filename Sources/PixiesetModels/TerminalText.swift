/// Text from outside (a client's name, a message, a server's answer) made
/// safe to print on a terminal: control characters cannot move the cursor,
/// set the window title or erase a line, and a line break inside a field
/// cannot start a line of its own that looks like pxscript's. They show
/// escaped, as `cat -v` would show them: `\e`, `\n`, `\x07`, `\u{202E}`.
public enum TerminalText {
    /// The same, but a line break stays one, its next line indented by `indent`, so a text of
    /// several lines (a traceback, a message) reads as such and still cannot start a line that
    /// looks like pxscript's own: for logs and error lines.
    public static func escapedKeepingLines(_ text: String, indent: String = "  ") -> String { escape(text, keepingLinesWith: indent) }

    public static func escaped(_ text: String) -> String { escape(text, keepingLinesWith: nil) }

    /// One pass over `text` into one buffer, however many lines and characters to escape it has.
    static func escape(_ text: String, keepingLinesWith indent: String?) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0) || $0 == "\\" }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) || scalar == "\\" else { out.unicodeScalars.append(scalar); continue }
            if scalar == "\n", let indent {
                out += "\n" + indent
                continue
            }
            switch scalar {
            case "\u{1B}": out += "\\e"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\\": out += "\\\\"
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += scalar.value < 0x100 ? "\\x" + (hex.count == 1 ? "0" : "") + hex : "\\u{\(hex)}"
            }
        }
        return out
    }

    /// C0 and C1 controls, DEL, the bidirectional overrides and isolates (which reorder what
    /// follows on the line), line and paragraph separators, characters that show as nothing (a
    /// zero-width space, a soft hyphen, word joiners, the byte-order mark). A backslash is doubled
    /// too, so a literal `\e` cannot pass for an escaped one. Joiners that
    /// build emoji and scripts (U+200C, U+200D) stay.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09: false  // a tab moves the cursor right only, as in a traceback; cat -v leaves it too
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029, 0x200E, 0x200F, 0x061C: true
        case 0xAD, 0x115F, 0x200B, 0x2060...0x2064, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFB: true
        default: false
        }
    }

    /// JSON text with every character `escaped` would escape written as `\\uXXXX` (the same
    /// value to a parser; raw C1 controls and bidi overrides in a string are valid JSON, but not on
    /// a terminal). Only the characters inside strings can be such: the rest is JSON's own.
    public static func jsonSafe(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: needsEscape) else { return json }
        // Written as bytes into one buffer: a 30 MB answer of such characters costs its output, not a string per character.
        var out: [UInt8] = []
        out.reserveCapacity(json.utf8.count + json.utf8.count / 2)
        let hex = Array("0123456789abcdef".utf8)
        for scalar in json.unicodeScalars {
            guard needsEscape(scalar), scalar != "\n", scalar != "\t", scalar != "\r" else {
                out.append(contentsOf: UTF8.encode(scalar)!)
                continue
            }
            for unit in UTF16.encode(scalar)! {
                out += [UInt8(ascii: "\\"), UInt8(ascii: "u")]
                for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int(unit >> UInt16(shift)) & 0xF]) }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
