import PXState
import Synchronization

/// Keys already warned about: a fault of the API, or of one conversation, is logged once per daemon
/// (shared by the copies of a `WatchLoop` or a `Poller`).
final class WarnedOnce: Sendable {
    private let keys = Mutex<Set<String>>([])

    /// True the first time `key` is given.
    func first(_ key: String) -> Bool { keys.withLock { $0.insert(key).inserted } }
}
