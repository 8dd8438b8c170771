import Foundation

/// Threads of pxscript's own for work that may wait on a state:
/// a task executor (SE-0417), so the tasks that prefer it, and the default
/// actors they call, run their jobs here. A write that waits for another
/// process's lock (up to the busy timeout), or a disk that answers slowly,
/// then holds one of these threads, never one of Swift's cooperative pool,
/// which has as many threads as cores (two here): two blocked calls there
/// stop every task of the process (polls, the dashboard, the courier).
///
/// One pool for the process, made on first use and never stopped.
public final class StateThreads: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` and `started` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0

    /// The process's pool: four threads, so a state locked for a while holds back its own work only.
    public static let shared = StateThreads(threads: 4)

    private init(threads: Int) {
        for number in 0..<threads {
            let thread = Thread { self.serve() }
            thread.name = "pxscript-state-\(number)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Runs `body` on these threads: for synchronous state access from code that is not already here.
    public func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withTaskExecutorPreference(self) { try body() }
    }

    private func serve() {
        while true {
            condition.lock()
            // blocking: one of pxscript's own threads, idle until a job comes (never a cooperative one).
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head > 1_024, head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
