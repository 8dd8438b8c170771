/// A complete answer of the API: status, headers and body bytes.
public struct APIResponse: Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name`, whatever its case.
    public func header(_ name: String) -> String? {
        headers.first { Self.equalIgnoringASCIICase($0.name.utf8, name.utf8) }?.value
    }

    var isHTML: Bool {
        // Compared byte by byte: this runs for every answer, and lowercasing allocates.
        if let type = header("Content-Type"), Self.contains(type.utf8, asciiLowercase: "text/html".utf8) { return true }
        let start = body.prefix(512).drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        return start.starts(with: "<!".utf8) || start.starts(with: "<html".utf8) || start.starts(with: "<HTML".utf8)
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    static func equalIgnoringASCIICase(_ a: String.UTF8View, _ b: String.UTF8View) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { lower($0) == lower($1) }
    }

    static func contains(_ text: String.UTF8View, asciiLowercase needle: String.UTF8View) -> Bool {
        let haystack = Array(text), wanted = Array(needle)
        guard haystack.count >= wanted.count else { return false }
        return (0...(haystack.count - wanted.count)).contains { start in
            zip(haystack[start...], wanted).allSatisfy { lower($0) == $1 }
        }
    }
}
