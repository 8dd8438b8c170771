import Foundation
import PXState
import Synchronization
import Testing
import TestSupport

/// The daemon's handlers share one thread (the HTTP client's event loop is their task executor), and
/// each reads its state there. A read that awaits (GRDB's async read) keeps its reader until its task
/// resumes on that thread; a synchronous read waiting there for a free reader then waits forever. CI
/// hung so for 90 minutes after `Approvals.withdraw` (asked by every handler run) read with `await`.
@Suite("State reads on a one-thread executor")
struct OneThreadStateTests {
    /// A task executor of one thread, as `EventLoopExecutor` is for the daemon.
    final class OneThread: TaskExecutor, @unchecked Sendable {
        // @unchecked: `jobs` is only touched with `condition` locked.
        private let condition = NSCondition()
        private var jobs: [UnownedJob] = []

        init() {
            Thread {
                while true {
                    self.condition.lock()
                    // blocking: the test's own executor thread, idle until a job comes.
                    while self.jobs.isEmpty { self.condition.wait() }
                    let job = self.jobs.removeFirst()
                    self.condition.unlock()
                    job.runSynchronously(on: self.asUnownedTaskExecutor())
                }
            }.start()
        }

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            condition.lock()
            jobs.append(job)
            condition.signal()
            condition.unlock()
        }
    }

    @Test("handlers withdrawing their approvals on one thread, beside a synchronous read, all finish")
    func withdrawOnOneThread() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onethread-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try StateStore(path: folder.appendingPathComponent("state.sqlite").path)
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        let finished = Mutex(0)
        let executor = OneThread()
        // Not awaited: if it hangs, the test fails after its bound instead of hanging the suite.
        Task(executorPreference: executor) {
            await withTaskGroup(of: Void.self) { group in
                // More handlers than the pool has readers (five), as a poll of 16 changed conversations has.
                for number in 0..<8 {
                    group.addTask {
                        try? await store.approvals.withdraw(in: "c\(number)", askedBefore: now, reason: "moved on", at: now)
                    }
                }
                group.addTask {
                    // blocking: holds the shared thread while the others' reads are under way, as a handler's Lua does.
                    usleep(200_000)
                    _ = try? store.approvals.nextExpiry()
                }
            }
            finished.withLock { $0 = 1 }
        }
        #expect(
            await Patience.wait(every: .milliseconds(100)) { finished.withLock { $0 } == 1 },
            "the handlers' reads did not finish within \(Patience.seconds) s: a reader kept by an awaiting task")
    }
}
