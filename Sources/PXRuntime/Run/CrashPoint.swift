import Foundation
import PXState

/// A test-only switch that makes the process exit hard at a named instant,
/// so tests can prove that a crash there loses nothing and sends nothing
/// twice. `PXSCRIPT_CRASH_AT=NAME` arms it; it is honoured only
/// against a loopback base URL, and only once per marker file
/// (`PXSCRIPT_CRASH_MARKER`, created just before exiting) so a restarted
/// daemon goes on.
public enum CrashPoint: String, Sendable, CaseIterable {
    /// The send's intent is recorded; the request is not made.
    case afterIntent = "after-intent"
    /// The studio answered with the message; the answer is not recorded.
    case afterSend = "after-send"
    /// A handler started; it has sent nothing yet.
    case inHandler = "in-handler"
    /// The handler returned; the event is not yet marked done.
    case afterHandler = "after-handler"

    /// Exit code of a deliberate crash.
    public static let exitCode: Int32 = 86

    struct Switch: Sendable {
        let point: CrashPoint?
        let marker: String?

        init(environment: [String: String], loopback: Bool) {
            point = loopback ? environment["PXSCRIPT_CRASH_AT"].flatMap(CrashPoint.init(rawValue:)) : nil
            marker = environment["PXSCRIPT_CRASH_MARKER"]
        }

        /// Exits at once (no cleanup, like a SIGKILL) when armed for `point`.
        func check(_ point: CrashPoint) {
            guard self.point == point else { return }
            if let marker {
                guard !FileManager.default.fileExists(atPath: marker) else { return }
                FileManager.default.createFile(atPath: marker, contents: Data(point.rawValue.utf8))
            }
            _exit(CrashPoint.exitCode)
        }
    }
}
