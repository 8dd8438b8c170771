import Foundation
import PXState
import Synchronization

/// Standard error shared by log lines and a progress line: a log line goes
/// above the progress line, which is then drawn again, so the two never mix
/// (a newcomer saw log lines written into the bar).
public final class TerminalLine: Sendable {
    /// The process's standard error.
    public static let standardError = TerminalLine { FileHandle.standardError.write(Data($0.utf8)) }

    private let write: @Sendable (String) -> Void
    /// The progress line shown, if any; writes happen under this lock, in order.
    private let status = Mutex<String?>(nil)

    public init(write: @escaping @Sendable (String) -> Void) { self.write = write }

    /// Writes one whole line (a log line): above the progress line when one is shown.
    public func line(_ text: String) {
        status.withLock { shown in
            if let shown {
                write("\r\u{1B}[K" + text + "\n" + "\r" + shown + "\u{1B}[K")
            } else {
                write(text + "\n")
            }
        }
    }

    /// Shows `text` as the progress line, in place of the last one.
    public func show(_ text: String) {
        status.withLock { shown in
            shown = text
            write("\r" + text + "\u{1B}[K")
        }
    }

    /// Removes the progress line.
    public func clear() {
        status.withLock { shown in
            guard shown != nil else { return }
            shown = nil
            write("\r\u{1B}[K")
        }
    }
}
