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

    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name == wanted || $0.name.lowercased() == wanted }?.value
    }

    var isHTML: Bool {
        if header("Content-Type")?.lowercased().contains("text/html") == true { return true }
        let start = body.prefix(512).drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        return start.starts(with: "<!".utf8) || start.starts(with: "<html".utf8) || start.starts(with: "<HTML".utf8)
    }
}
