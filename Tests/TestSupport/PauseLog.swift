import Synchronization

/// Retry pauses taken without real time (issue 33): each asked pause is kept, and returns once
/// other tasks had their turn. Give `pause` to `APIConfiguration.pause` or `Courier.Timing.pause`.
public final class PauseLog: Sendable {
    private let asked = Mutex<[Duration]>([])

    public init() {}

    public var pauses: [Duration] { asked.withLock { $0 } }

    public var pause: @Sendable (Duration) async throws -> Void {
        { [self] duration in
            asked.withLock { $0.append(duration) }
            await Task.yield()
            try Task.checkCancellation()
        }
    }
}
