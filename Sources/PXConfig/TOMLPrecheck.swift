/// What a TOML file must not contain before it reaches TOMLKit.
///
/// The C++ parser under TOMLKit (toml++) asserts, that is aborts the whole
/// process, on a table header whose name starts with anything but a
/// bare-key character or a quote (`[%`, `[[ €`, `[` then a combining mark:
/// all found by fuzzing, kept in Tests/Fuzz/corpus/config). Every other
/// place that reads a key checks its first character first; the header is
/// the one that does not. Such a file is not valid TOML, so refusing it
/// here loses nothing and turns a crash into a line number.
///
/// The scan works on Unicode scalars, as toml++ does: by `Character` a `[`
/// followed by a combining mark is one grapheme, and the header went unseen.
/// It follows strings, comments and brackets, so a `[` inside a value (an
/// array, a multi-line string) is not mistaken for a header.
enum TOMLPrecheck {
    enum Problem: Equatable {
        case controlCharacter(line: Int)
        case badTableHeader(line: Int)

        var description: String {
            switch self {
            case .controlCharacter(let line): "line \(line): a control character (TOML allows only tabs and line ends)"
            case .badTableHeader(let line): "line \(line): a [table] name must start with a letter, a digit, '_', '-' or a quote"
            }
        }
    }

    static func isBareKey(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "-": true
        default: false
        }
    }

    /// The first problem of `text`, or nil.
    static func problem(in text: String) -> Problem? {
        let scalars = Array(text.unicodeScalars)
        var line = 1
        for scalar in scalars {
            if scalar == "\n" { line += 1; continue }
            if scalar == "\t" || scalar == "\r" { continue }
            if scalar.value < 0x20 || scalar.value == 0x7F { return .controlCharacter(line: line) }
        }
        var index = 0
        line = 1
        var depth = 0  // open `[` and `{` of values
        var statementStart = true  // only spaces and tabs since the last line end at depth 0

        func at(_ offset: Int) -> Unicode.Scalar? { index + offset < scalars.count ? scalars[index + offset] : nil }
        /// Skips a string starting at `index`; a line end ends a one-line string (an error TOMLKit reports).
        func skipString(_ quote: Unicode.Scalar) {
            let multiline = at(1) == quote && at(2) == quote
            index += multiline ? 3 : 1
            while index < scalars.count {
                let scalar = scalars[index]
                if scalar == "\n" {
                    line += 1
                    if !multiline { return }
                } else if scalar == "\\" && quote == "\"" {
                    index += 1
                    if at(0) == "\n" { line += 1 }
                } else if scalar == quote && (!multiline || (at(1) == quote && at(2) == quote)) {
                    index += multiline ? 3 : 1
                    // A multi-line string may end with up to two more quotes of its own.
                    while multiline && at(0) == quote { index += 1 }
                    return
                }
                index += 1
            }
        }

        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "\n":
                line += 1
                if depth == 0 { statementStart = true }
                index += 1
            case " ", "\t", "\r":
                index += 1
            case "#":
                while index < scalars.count && scalars[index] != "\n" { index += 1 }
            case "\"", "'":
                statementStart = false
                skipString(scalar)
            case "[" where statementStart && depth == 0:
                statementStart = false
                index += 1
                if at(0) == "[" { index += 1 }
                while let next = at(0), next == " " || next == "\t" { index += 1 }
                guard let first = at(0), isBareKey(first) || first == "\"" || first == "'" || first == "]" else {
                    return .badTableHeader(line: line)
                }
            case "[", "{":
                statementStart = false
                depth += 1
                index += 1
            case "]", "}":
                statementStart = false
                depth = max(0, depth - 1)
                index += 1
            default:
                statementStart = false
                index += 1
            }
        }
        return nil
    }
}
