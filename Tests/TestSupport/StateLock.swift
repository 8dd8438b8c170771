import Foundation
import Synchronization

/// Another process (Python's sqlite3) holding a state's write lock (`BEGIN IMMEDIATE`) until
/// `release`: what a backup or a long `sqlite3` session does to a state (issue 33).
public final class StateLock: Sendable {
    private let process: Process
    private let marker: String

    /// Returns once the lock is held.
    public init(state: String) async throws {
        marker = state + ".lock-\(UUID().uuidString.prefix(8))"
        let program = """
            import os, sqlite3, sys, time
            connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
            connection.execute("BEGIN IMMEDIATE")
            open(sys.argv[2] + ".held", "w").close()
            while not os.path.exists(sys.argv[2] + ".release"):
                time.sleep(0.02)
            connection.execute("ROLLBACK")
            """
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", program, state, marker]
        try process.run()
        for _ in 0..<1_000 where !FileManager.default.fileExists(atPath: marker + ".held") && process.isRunning {
            try await Task.sleep(for: .milliseconds(20))
        }
        guard FileManager.default.fileExists(atPath: marker + ".held") else { throw CocoaError(.fileReadUnknown) }
    }

    /// Lets the lock go and waits for the process to end.
    public func release() async {
        FileManager.default.createFile(atPath: marker + ".release", contents: nil)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        for suffix in [".held", ".release"] { try? FileManager.default.removeItem(atPath: marker + suffix) }
    }
}

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
