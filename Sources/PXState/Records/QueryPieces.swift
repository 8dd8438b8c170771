import Foundation

/// What the jobs' queries share.
enum QueryPieces {
    /// `keys` in slices of at most 500: SQLite takes a bounded number of parameters in one statement.
    static func slices(_ keys: [String]) -> [[String]] {
        stride(from: 0, to: keys.count, by: 500).map { Array(keys[$0..<min(keys.count, $0 + 500)]) }
    }

    /// `text` as a LIKE pattern that matches only itself (LIKE's own characters escaped with `\`).
    static func literal(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }
}
