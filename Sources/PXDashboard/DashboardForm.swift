import Foundation
import Hummingbird

/// A posted form (`application/x-www-form-urlencoded`), at most 64 KiB.
struct DashboardForm {
    let fields: [String: String]

    init(_ request: Request) async throws {
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 16)
        fields = Self.fields(of: String(buffer: buffer))
    }

    /// The fields of a form's body: `name=value` pairs joined by `&`, `+` for a space, percent-encoded.
    /// A name given twice keeps its last value; what does not decode reads as empty.
    static func fields(of text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String { part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            guard let name = parts.first.map(decode) else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    subscript(_ name: String) -> String? { fields[name] }
}
