import Foundation
import Logging
import Synchronization

/// The log of a scenario's scripts: kept, not printed. A failure shows its
/// warnings, errors and printed lines (each send's script line is the state's, `ScenarioWorld.sendOrigins`).
final class ScenarioLog: Sendable {
    private struct Lines {
        var notable: [String] = []
    }

    private let lines = Mutex(Lines())

    var logger: Logger {
        var logger = Logger(label: "pxscript.test") { _ in Handler(log: self) }
        logger.logLevel = .info
        return logger
    }

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

    fileprivate func record(_ level: Logger.Level, _ message: String) {
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

        func log(event: LogEvent) { log.record(event.level, "\(event.message)") }
    }
}
