import Logging
import Synchronization

/// Log lines written through `logger`, for tests of what the code logs
/// (a client's warnings, a script's `px.log`, a handler's traceback).
public final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    /// Every line so far: `level message`, then ` [file:line]` when the
    /// line names where a script logged it (`at` metadata).
    public var all: [String] { lines.withLock { $0 } }

    /// A logger that writes here, at every level.
    public var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let at = event.metadata?["at"].map { " [\($0)]" } ?? ""
            capture.lines.withLock { $0.append("\(event.level) \(event.message)\(at)") }
        }
    }
}
