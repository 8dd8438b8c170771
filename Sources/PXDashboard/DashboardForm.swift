import Foundation
import Hummingbird

/// A posted form (`application/x-www-form-urlencoded`), at most 64 KiB.
struct DashboardForm {
    let fields: [String: String]

    init(_ request: Request) async throws {
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 16)
        let text = String(buffer: buffer)
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String { part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            guard let name = parts.first.map(decode) else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
        self.fields = fields
    }

    subscript(_ name: String) -> String? { fields[name] }
}
