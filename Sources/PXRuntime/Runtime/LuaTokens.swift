/// A light reading of Lua source for `pxscript check`: identifiers with
/// their lines, strings and comments skipped. Enough to find typos; the
/// compiler itself has already checked the syntax.
struct LuaTokens {
    enum Kind: Equatable { case name, string, symbol, number, keyword }

    struct Token {
        let kind: Kind
        let text: String
        let line: Int
    }

    static let keywords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in", "local", "nil", "not", "or",
        "repeat", "return", "then", "true", "until", "while",
    ]

    let tokens: [Token]

    init(_ source: String) {
        var tokens: [Token] = []
        let chars = Array(source.unicodeScalars)
        var i = 0, line = 1
        func peek(_ offset: Int = 0) -> Unicode.Scalar? { i + offset < chars.count ? chars[i + offset] : nil }
        /// Skips a long bracket `[==[ … ]==]` starting at i; true if one was there.
        func longBracket() -> Bool {
            guard peek() == "[" else { return false }
            var level = 0
            while peek(1 + level) == "=" { level += 1 }
            guard peek(1 + level) == "[" else { return false }
            i += level + 2
            while i < chars.count {
                if chars[i] == "\n" { line += 1 }
                if chars[i] == "]" {
                    var j = 1
                    while j <= level, peek(j) == "=" { j += 1 }
                    if j == level + 1, peek(j) == "]" {
                        i += level + 2
                        return true
                    }
                }
                i += 1
            }
            return true
        }
        while i < chars.count {
            let c = chars[i]
            if c == "\n" { line += 1; i += 1; continue }
            if c == " " || c == "\t" || c == "\r" { i += 1; continue }
            if c == "-" && peek(1) == "-" {
                i += 2
                if longBracket() { continue }
                while i < chars.count && chars[i] != "\n" { i += 1 }
                continue
            }
            if c == "\"" || c == "'" {
                let start = line
                var text = ""
                i += 1
                while i < chars.count && chars[i] != c {
                    if chars[i] == "\\" { i += 1 }
                    if i < chars.count && chars[i] == "\n" { line += 1 }
                    if i < chars.count { text.unicodeScalars.append(chars[i]) }
                    i += 1
                }
                i += 1
                tokens.append(Token(kind: .string, text: text, line: start))
                continue
            }
            if c == "[" && (peek(1) == "[" || peek(1) == "=") {
                let start = line
                if longBracket() {
                    tokens.append(Token(kind: .string, text: "", line: start))
                    continue
                }
            }
            if c.properties.isAlphabetic || c == "_" {
                var text = ""
                while let d = peek(), d.properties.isAlphabetic || d == "_" || ("0"..."9").contains(d) {
                    text.unicodeScalars.append(d)
                    i += 1
                }
                tokens.append(Token(kind: Self.keywords.contains(text) ? .keyword : .name, text: text, line: line))
                continue
            }
            if ("0"..."9").contains(c) {
                while let d = peek(), d.properties.isAlphabetic || ("0"..."9").contains(d) || d == "." { i += 1 }
                tokens.append(Token(kind: .number, text: "", line: line))
                continue
            }
            // Multi-character symbols that matter here: "==", "..", "::".
            var text = String(c)
            if let d = peek(1), ["==", "..", "::", "~=", "<=", ">="].contains(text + String(d)) {
                text += String(d)
                i += 1
            }
            i += 1
            tokens.append(Token(kind: .symbol, text: text, line: line))
        }
        self.tokens = tokens
    }

    /// `require "x"` and `require("x")` module names (only literal ones).
    var requiredModules: [String] {
        tokens.indices.compactMap { index in
            guard tokens[index].kind == .name, tokens[index].text == "require" else { return nil }
            var next = index + 1
            if next < tokens.count, tokens[next].text == "(" { next += 1 }
            guard next < tokens.count, tokens[next].kind == .string else { return nil }
            return tokens[next].text
        }
    }

    /// Chains like `px.conversations.list` starting at `root`, with their lines.
    func dottedNames(from root: String) -> [(String, Int)] {
        var found: [(String, Int)] = []
        var i = 0
        while i < tokens.count {
            defer { i += 1 }
            let token = tokens[i]
            guard token.kind == .name, token.text == root, i == 0 || ![".", ":"].contains(tokens[i - 1].text) else { continue }
            var name = root, j = i + 1
            while j + 1 < tokens.count, tokens[j].text == ".", tokens[j + 1].kind == .name {
                name += "." + tokens[j + 1].text
                j += 2
            }
            if name != root { found.append((name, token.line)) }
        }
        return found
    }

    /// Names the file declares (locals, parameters, loop variables, labels) or assigns as globals.
    var definedNames: Set<String> {
        var names = Set<String>()
        for (index, token) in tokens.enumerated() where token.kind == .name {
            let previous = index > 0 ? tokens[index - 1] : nil
            let next = index + 1 < tokens.count ? tokens[index + 1] : nil
            if previous?.text == "." || previous?.text == ":" { continue }
            if next?.text == "=" || next?.text == "," && assignsList(from: index) { names.insert(token.text) }
            if previous?.text == "local" || previous?.text == "function" || previous?.text == "for" || previous?.text == "::" {
                names.insert(token.text)
            }
            if previous?.text == "," && declaresList(before: index) { names.insert(token.text) }
            if isParameter(index) { names.insert(token.text) }
        }
        return names
    }

    /// Whether the name list starting at `index` ends in `=` (`a, b = 1, 2`).
    private func assignsList(from index: Int) -> Bool {
        var j = index
        while j + 1 < tokens.count, tokens[j + 1].text == ",", j + 2 < tokens.count, tokens[j + 2].kind == .name { j += 2 }
        return j + 1 < tokens.count && (tokens[j + 1].text == "=" || tokens[j + 1].text == "in")
    }

    /// Whether the name at `index` follows `local a, …` or `for k, …`.
    private func declaresList(before index: Int) -> Bool {
        var j = index - 1
        while j >= 1, tokens[j].text == ",", tokens[j - 1].kind == .name { j -= 2 }
        return j >= 0 && (tokens[j].text == "local" || tokens[j].text == "for")
    }

    /// Whether the name at `index` is inside `function name(…)`'s parentheses.
    private func isParameter(_ index: Int) -> Bool {
        var j = index - 1
        while j >= 0 {
            let text = tokens[j].text
            if text == "(" { return j >= 1 && (tokens[j - 1].text == "function" || (tokens[j - 1].kind == .name && j >= 2 && isFunctionName(j - 1))) }
            if text != "," && tokens[j].kind != .name && text != "..." { return false }
            j -= 1
        }
        return false
    }

    private func isFunctionName(_ index: Int) -> Bool {
        var j = index
        while j >= 2, [".", ":"].contains(tokens[j - 1].text), tokens[j - 2].kind == .name { j -= 2 }
        return j >= 1 && tokens[j - 1].text == "function"
    }

    /// Names read as variables (not fields, not table keys), with their first line.
    var usedNames: [(String, Int)] {
        tokens.enumerated().compactMap { index, token in
            guard token.kind == .name else { return nil }
            if index > 0, [".", ":", "goto", "::"].contains(tokens[index - 1].text) { return nil }
            if index + 1 < tokens.count, tokens[index + 1].text == "=", index > 0, ["{", ","].contains(tokens[index - 1].text) {
                return nil
            }
            return (token.text, token.line)
        }
    }

    /// A call's table literal, written in the call (`px.send(id, text, { key = "x" })`).
    struct LiteralTable {
        /// The called name: `px.send`, or `:reply` for a method call.
        let function: String
        /// The argument the table is, as the script writes the call.
        let position: Int
        /// Its `name = value` keys, with their lines.
        let keys: [(name: String, line: Int)]
    }

    /// Table literals passed to px functions and to `:reply`, with their keys (`pxscript check`).
    var literalTables: [LiteralTable] {
        var found: [LiteralTable] = []
        var i = 0
        while i < tokens.count {
            defer { i += 1 }
            var function: String?, j = i
            if tokens[i].kind == .name, tokens[i].text == "px", i == 0 || ![".", ":"].contains(tokens[i - 1].text) {
                var name = "px"
                j = i + 1
                while j + 1 < tokens.count, tokens[j].text == ".", tokens[j + 1].kind == .name {
                    name += "." + tokens[j + 1].text
                    j += 2
                }
                function = name
            } else if tokens[i].text == ":", i >= 1, tokens[i - 1].text == "event", i + 1 < tokens.count, tokens[i + 1].kind == .name {
                // `event:reply(…)`: the handler's event by the name the docs give it; another object's
                // `:reply` is the script's own and takes what it likes.
                function = ":" + tokens[i + 1].text
                j = i + 2
            }
            guard let function, j < tokens.count else { continue }
            if tokens[j].text == "{" {
                found.append(LiteralTable(function: function, position: 1, keys: keys(ofTableAt: j)))
            } else if tokens[j].text == "(" {
                var depth = 0, position = 1, startsArgument = true, k = j + 1
                while k < tokens.count {
                    let text = tokens[k].text, symbol = tokens[k].kind == .symbol
                    if symbol && depth == 0 && text == ")" { break }
                    if symbol && depth == 0 && text == "," { position += 1; startsArgument = true; k += 1; continue }
                    if symbol && depth == 0 && text == "{" && startsArgument {
                        found.append(LiteralTable(function: function, position: position, keys: keys(ofTableAt: k)))
                    }
                    if symbol && ["(", "{", "["].contains(text) { depth += 1 }
                    if symbol && [")", "}", "]"].contains(text) { depth -= 1 }
                    depth += blockDepth(tokens[k])
                    startsArgument = false
                    k += 1
                }
            }
        }
        return found
    }

    /// +1 for a keyword that opens a block (`function`, `if`, `do`, `repeat`; `for` and `while`
    /// open theirs with `do`), -1 for one that closes it (`end`, `until`), else 0.
    private func blockDepth(_ token: Token) -> Int {
        guard token.kind == .keyword else { return 0 }
        switch token.text {
        case "function", "if", "do", "repeat": return 1
        case "end", "until": return -1
        default: return 0
        }
    }

    /// The `name =` keys at the top level of the table literal whose `{` is at `start`.
    private func keys(ofTableAt start: Int) -> [(name: String, line: Int)] {
        var keys: [(name: String, line: Int)] = [], depth = 0, k = start
        while k < tokens.count {
            let token = tokens[k]
            if token.kind == .symbol, ["(", "{", "["].contains(token.text) { depth += 1 }
            if token.kind == .symbol, [")", "}", "]"].contains(token.text) {
                depth -= 1
                if depth == 0 { break }
            }
            depth += blockDepth(token)
            if depth == 1, token.kind == .name, k + 1 < tokens.count, tokens[k + 1].text == "=", ["{", ",", ";"].contains(tokens[k - 1].text) {
                keys.append((token.text, token.line))
            }
            k += 1
        }
        return keys
    }

    /// Lines where `sender_type` is compared with a literal, and the literal (`m.sender_type == "studio"`).
    var senderTypeComparisons: [(value: String, line: Int)] {
        var found: [(value: String, line: Int)] = []
        for index in tokens.indices where tokens[index].kind == .name && tokens[index].text == "sender_type" {
            if index + 2 < tokens.count, ["==", "~="].contains(tokens[index + 1].text), tokens[index + 2].kind == .string {
                found.append((tokens[index + 2].text, tokens[index].line))
            }
            if index >= 2, ["==", "~="].contains(tokens[index - 1].text), tokens[index - 2].kind == .string {
                found.append((tokens[index - 2].text, tokens[index].line))
            }
        }
        return found
    }
}
