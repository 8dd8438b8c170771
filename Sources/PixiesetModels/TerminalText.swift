/// Text from outside (a client's name, a message, a server's answer) made
/// safe to print on a terminal: control characters cannot move the cursor,
/// set the window title or erase a line, and a line break inside a field
/// cannot start a line of its own that looks like pxscript's. They show
/// escaped, as `cat -v` would show them: `\e`, `\n`, `\x07`, `\u{202E}`.
public enum TerminalText {
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else { out.unicodeScalars.append(scalar); continue }
            switch scalar {
            case "\u{1B}": out += "\\e"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += scalar.value < 0x100 ? "\\x" + (hex.count == 1 ? "0" : "") + hex : "\\u{\(hex)}"
            }
        }
        return out
    }

    /// C0 and C1 controls, DEL, the bidirectional overrides and isolates (which reorder what
    /// follows on the line), line and paragraph separators.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09: false  // a tab moves the cursor right only, as in a traceback; cat -v leaves it too
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029, 0x200E, 0x200F, 0x061C: true
        default: false
        }
    }
}
