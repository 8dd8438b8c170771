import Foundation

/// The right to send on a state file: an exclusive `flock` on
/// `<state>-sends.lock`, which the kernel releases if the holder dies.
///
/// Only the holder reserves sends, so it may check keys and the daily cap
/// against its own view and record intents in its outbox log instead of
/// committing each one (see `Outbox`). It also means a pending send in the
/// state file belongs to a live process only while that process holds the
/// lease: whoever takes the lease may reconcile every pending send it finds.
/// The holder lets go as soon as it has nothing in flight, so a `watch` and
/// a `run` on the same state take turns.
package final class SendLease: @unchecked Sendable {
    package let path: String
    /// Open while held; guarded by the `Outbox`'s lock.
    private var descriptor: Int32 = -1

    package init(statePath: String) { path = statePath + "-sends.lock" }

    /// Takes the lease if nobody holds it; false when another process (or
    /// another `StateStore` of this process) does.
    package func tryAcquire() throws -> Bool {
        if descriptor >= 0 { return true }
        let opened = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard opened >= 0 else {
            let code = errno
            throw StateError.cannotWrite(path: path, what: "create", errno: code)
        }
        guard flock(opened, LOCK_EX | LOCK_NB) == 0 else {
            close(opened)
            return false
        }
        // Names the holder for whoever waits (`holder`).
        ftruncate(opened, 0)
        let holder = "pid \(getpid())"
        _ = holder.withCString { write(opened, $0, strlen($0)) }
        descriptor = opened
        return true
    }

    /// The process holding the lease, as its lock file names it.
    package var holder: String {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "another process"
    }

    package func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
