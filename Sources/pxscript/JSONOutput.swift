import Foundation

/// How commands print JSON: indented on a terminal, one line in a pipe (so
/// `| jq` and scripts get one record per line); text that is not JSON as is.
enum JSONOutput {
    static func format(_ body: [UInt8]) throws -> String {
        guard !body.isEmpty else { return "" }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
            return String(decoding: body, as: UTF8.self)
        }
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]
        if standardOutputIsTerminal { options.insert(.prettyPrinted) }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: options), as: UTF8.self)
    }
}
