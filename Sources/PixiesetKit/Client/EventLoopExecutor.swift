import NIOCore

/// A NIO event loop as a Swift task executor (SE-0417): tasks that prefer
/// it, and the default actors they call, run their jobs on the loop's
/// thread. NIO makes its loops serial executors for actors, not task
/// executors, hence this small adapter.
final class EventLoopExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
