import Foundation
import Logging
import Synchronization

/// The log of a scenario's scripts: kept, not printed. A failure shows its
/// warnings, errors and printed lines, and each send's script line comes from here (the
/// runtime logs `sent MESSAGE to CONVERSATION` with the line as `at`).
final class ScenarioLog: Sendable {
    private struct Lines {
        var notable: [String] = []
        var positions: [String: String] = [:]
    }

    private let lines = Mutex(Lines())

    var logger: Logger {
        var logger = Logger(label: "pxscript.test") { _ in Handler(log: self) }
        logger.logLevel = .info
        return logger
    }

    /// The script line that sent message `id`.
    func position(ofSend id: String) -> String? { lines.withLock { $0.positions[id] } }

    /// Lines kept for a failure's report: the newest; a script printing in a loop does not grow the host.
    static let kept = 100

    /// A line a script printed: kept with the warnings, shown when the scenario fails.
    func printed(_ line: String) { keep("print: \(line.prefix(500))") }

    private func keep(_ line: String) {
        lines.withLock { lines in
            lines.notable.append(line)
            if lines.notable.count > 2 * Self.kept { lines.notable.removeFirst(lines.notable.count - Self.kept) }
        }
    }

    /// Warnings, errors and printed lines, oldest first (the last `limit`).
    func notable(limit: Int = 12) -> [String] { lines.withLock { Array($0.notable.suffix(limit)) } }

    fileprivate func record(_ level: Logger.Level, _ message: String, at position: String?) {
        if message.hasPrefix("sent "), let id = message.split(separator: " ").dropFirst().first, let position {
            lines.withLock { $0.positions[String(id)] = Self.short(position) }
        }
        if level >= .warning { keep("\(level): \(message.prefix(500))") }
    }

    /// `/tmp/…/followup.lua:4` as `followup.lua:4`.
    static func short(_ position: String) -> String { (position as NSString).lastPathComponent }

    private struct Handler: LogHandler {
        let log: ScenarioLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let position = event.metadata?["at"].map { "\($0)" } ?? metadata["at"].map { "\($0)" }
            log.record(event.level, "\(event.message)", at: position)
        }
    }
}
