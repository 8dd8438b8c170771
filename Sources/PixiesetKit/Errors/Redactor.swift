import Foundation

/// Removes the session's secrets (the cookie, its values, CSRF tokens) from
/// text before it can reach a script, output, a log or an error: servers
/// may echo request headers back, in error bodies or in data.
///
/// Each secret is looked for as written and as a server might re-encode it:
/// percent-encoded (upper or lower case), percent-decoded, JSON-escaped, and
/// base64 (standard or URL-safe, at any byte alignment inside a longer
/// encoded text).
public struct Redactor: Sendable {
    public static let mask = "[redacted]"
    /// Every form looked for, longest first (a whole header before its parts).
    private let forms: [String]
    private let byteForms: [[UInt8]]

    public init(cookie: String?, tokens: [String] = []) {
        var secrets: [String] = []
        if let cookie, !cookie.isEmpty {
            secrets.append(cookie)
            for pair in cookie.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                let value = parts.count == 2 ? String(parts[1]).trimmingSpaces : String(pair).trimmingSpaces
                secrets.append(value)
            }
        }
        secrets += tokens
        // Very short values would redact ordinary words; a session value is long.
        let forms = Set(secrets.filter { $0.count >= 6 }.flatMap(Self.encodings)).filter { $0.count >= 6 }
        self.forms = forms.sorted { $0.count > $1.count }
        byteForms = self.forms.map { Array($0.utf8) }
    }

    /// The length in bytes of the longest form looked for.
    public var longestForm: Int { byteForms.first?.count ?? 0 }

    /// `text` with every occurrence of a secret, in any of its forms, masked.
    public func redact(_ text: String) -> String {
        var out = text
        for form in forms where out.contains(form) {
            out = out.replacing(form, with: Self.mask)
        }
        return out
    }

    /// `bytes` with every secret masked (an answer's body, before anything
    /// reads it). Runs on every answer: a body without any secret (nearly
    /// all) is searched once per form and returned as it is, uncopied.
    public func redact(_ bytes: [UInt8]) -> [UInt8] {
        guard !byteForms.isEmpty, bytes.count >= 6 else { return bytes }
        var out = bytes
        for form in byteForms where Self.firstMatch(of: form, in: out) != nil {
            var result: [UInt8] = []
            result.reserveCapacity(out.count)
            var index = 0
            while let found = Self.firstMatch(of: form, in: out, from: index) {
                result += out[index..<found]
                result += Self.mask.utf8
                index = found + form.count
            }
            result += out[index...]
            out = result
        }
        return out
    }

    /// Where `form` first occurs in `bytes` at or after `start`.
    static func firstMatch(of form: [UInt8], in bytes: [UInt8], from start: Int = 0) -> Int? {
        guard let first = form.first, bytes.count - start >= form.count else { return nil }
        return bytes.withUnsafeBufferPointer { haystack in
            form.withUnsafeBufferPointer { needle in
                var index = start
                let last = haystack.count - needle.count
                while index <= last {
                    guard let hit = memchr(haystack.baseAddress! + index, Int32(first), last - index + 1) else { return nil }
                    let position = haystack.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(haystack.baseAddress! + position, needle.baseAddress!, needle.count) == 0 { return position }
                    index = position + 1
                }
                return nil
            }
        }
    }

    /// The forms a server might echo `secret` in.
    static func encodings(of secret: String) -> [String] {
        var forms = [secret]
        let strict = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        if let encoded = secret.addingPercentEncoding(withAllowedCharacters: strict) {
            forms += [encoded, Self.lowercasingHex(encoded)]
        }
        if let query = secret.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) { forms.append(query) }
        if let decoded = secret.removingPercentEncoding { forms.append(decoded) }
        forms.append(secret.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "/", with: "\\/"))
        forms += base64Cores(of: Array(secret.utf8))
        return forms
    }

    /// `%2f` for `%2F`: some servers write hex in lower case.
    static func lowercasingHex(_ text: String) -> String {
        var out = "", escape = 0
        for character in text {
            if character == "%" { escape = 2; out.append(character); continue }
            out.append(escape > 0 ? Character(character.lowercased()) : character)
            escape = max(0, escape - 1)
        }
        return out
    }

    /// The part of the base64 of `bytes` that is the same wherever the bytes
    /// sit in a longer encoded text (three alignments), standard and URL-safe.
    static func base64Cores(of bytes: [UInt8]) -> [String] {
        var cores: [String] = []
        for offset in 0..<3 {
            let encoded = Array(Data(repeating: 0, count: offset) + Data(bytes)).base64Encoded
            // Drop the quantum that holds the padding bytes, and the last one, which depends on what follows.
            let start = offset == 0 ? 0 : 4
            let end = max(start, encoded.count - 4)
            guard end - start >= 8 else { continue }
            let core = String(encoded[encoded.index(encoded.startIndex, offsetBy: start)..<encoded.index(encoded.startIndex, offsetBy: end)])
            cores += [core, core.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")]
        }
        return cores
    }
}

extension Array where Element == UInt8 {
    fileprivate var base64Encoded: String { Data(self).base64EncodedString() }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
