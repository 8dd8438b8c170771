import Synchronization

/// How much a sandbox studio holds, as a number that changes when a message
/// is written: what a virtual clock asks to tell whether a poll could find
/// news. Made before the sandbox (the clock is made first and the sandbox
/// reads it), then attached to the sandbox's database once it runs.
public final class StudioChanges: Sendable {
    private let database = Mutex<SandboxDatabase?>(nil)

    public init() {}

    public func attach(_ database: SandboxDatabase) { self.database.withLock { $0 = database } }

    /// The number of messages (0 before the sandbox runs).
    public func version() -> Int { (try? database.withLock { $0 }?.messageCount()) ?? 0 }
}
