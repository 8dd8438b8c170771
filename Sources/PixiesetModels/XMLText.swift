/// Text for an XML document (a JUnit report, a LaunchAgent's property list): the five entities
/// escaped, and the characters XML 1.0 cannot hold at all (C0 controls but tab and line breaks,
/// U+FFFE, U+FFFF) replaced by `replacement` (nothing drops them).
public enum XMLText {
    public static func escaped(_ text: String, replacingRefused replacement: String = "") -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n", "\t", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value): out += replacement
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
