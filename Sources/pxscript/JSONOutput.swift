import Foundation
import PixiesetModels

/// How commands print JSON: indented on a terminal, one line in a pipe (so
/// `| jq` and scripts get one record per line); text that is not JSON as is.
enum JSONOutput {
    static func format(_ body: [UInt8]) throws -> String {
        guard !body.isEmpty else { return "" }
        // An answer of millions of tiny values would cost the parser gigabytes: shown as the text it is.
        guard !JSONSlices.tooManyValues(body), let object = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
            // Not JSON: a server's text, which on a terminal must not drive it.
            let text = String(decoding: body, as: UTF8.self)
            return standardOutputIsTerminal ? TerminalText.escapedKeepingLines(text, indent: "") : text
        }
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]
        if standardOutputIsTerminal { options.insert(.prettyPrinted) }
        return TerminalText.jsonSafe(String(decoding: try JSONSerialization.data(withJSONObject: object, options: options), as: UTF8.self))
    }
}
