import Foundation
import Synchronization

/// A task that measures its own lateness every 50 ms on Swift's cooperative pool: how long the
/// pool left it waiting. Blocked cooperative threads show up here (issue 33).
public final class ResponsivenessProbe: Sendable {
    private final class Worst: Sendable {
        let value = Mutex<Duration>(.zero)
    }

    private let worst = Worst()
    private let task: Task<Void, Never>

    public init() {
        let worst = self.worst
        task = Task.detached {
            while !Task.isCancelled {
                let due = ContinuousClock.now.advanced(by: .milliseconds(50))
                try? await Task.sleep(until: due)
                let late = ContinuousClock.now - due
                worst.value.withLock { $0 = max($0, late) }
            }
        }
    }

    /// The longest lateness seen so far.
    public var worstLateness: Duration { worst.value.withLock { $0 } }

    public func stop() -> Duration {
        task.cancel()
        return worstLateness
    }
}
