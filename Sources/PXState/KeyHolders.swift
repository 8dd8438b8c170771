import Synchronization

/// The handler runs of this process that may hold keys (decision 0010): a run is registered while
/// it exists. A hold of this process whose run is gone holds nothing, even when it could not be
/// deleted: a run that met a local fault cannot write its release to a locked or full
/// state, and its keys must not wait for their deadline (minutes) while the handler runs again.
package enum KeyHolders {
    private static let live = Mutex<Set<String>>([])

    package static func started(_ holder: String) { _ = live.withLock { $0.insert(holder) } }
    package static func ended(_ holder: String) { _ = live.withLock { $0.remove(holder) } }
    package static func isLive(_ holder: String) -> Bool { live.withLock { $0.contains(holder) } }
}
