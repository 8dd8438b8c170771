import Foundation
import PixiesetModels

/// How commands print JSON: indented on a terminal, one line in a pipe (so
/// `| jq` and scripts get one record per line), keys in the order the server
/// wrote them; text that is not JSON as is.
enum JSONOutput {
    static func format(_ body: [UInt8]) throws -> String {
        guard !body.isEmpty else { return "" }
        // Checked by a parser that builds nothing, then laid out: a dense answer costs no more than a sparse one.
        guard (try? StrictJSON.parse(body, with: JSONChecker())) != nil else {
            // Not JSON: a server's text, which on a terminal must not drive it.
            let text = String(decoding: body, as: UTF8.self)
            return standardOutputIsTerminal ? TerminalText.escapedKeepingLines(text, indent: "") : text
        }
        // Laid out again, not rebuilt: keys in the server's order, no copy of the answer as objects.
        return TerminalText.jsonSafe(String(decoding: JSONLayout.lines(body, indented: standardOutputIsTerminal), as: UTF8.self))
    }
}
