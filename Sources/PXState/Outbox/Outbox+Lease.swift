import Foundation
import GRDB
import PixiesetKit
import PixiesetModels
import Synchronization

/// The send lease: one process sends on a state at a time (decision 0007).
extension Outbox {
    /// Holds the lease on return, waiting (with backoff) while another process has it.
    package func acquire() async throws {
        var delay: Duration = .milliseconds(1)
        let start = ContinuousClock.now
        var told = false
        while try !takeLease() {
            if !told, ContinuousClock.now - start >= Self.waitNoticeAfter, let notice = waitNotice.withLock({ $0 }) {
                notice("another process (\(lease.holder)) is sending on this state; the sends here wait for it")
                told = true
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(50))
        }
    }

    /// How long a sender waits for the lease before it says so.
    package static let waitNoticeAfter: Duration = .seconds(2)

    /// Whether the lease is held, taking it if it is free: the flock, then
    /// (in one transaction) what a dead holder left and the next row id,
    /// then a fresh log. Done on the caller's thread: it is a short write,
    /// and a hop to another thread would cost more.
    package func takeLease() throws -> Bool {
        try acquisition.withLock { _ in
            let held = try view.withLock { view in
                if view.closed { throw StateError.closed("the state was closed") }
                return view.held
            }
            if held { return true }
            guard try view.withLock({ _ in try lease.tryAcquire() }) else { return false }
            do {
                let nextID = try pool.write { [logPath] db in
                    try Self.replay(logPath, db)
                    return try SendTable.nextID(db)
                }
                let log = try OutboxLog(path: logPath)
                view.withLock { view in
                    // What this process left pending outlives its lease: claimPending checks it against the file.
                    view = View(held: true, log: log, nextID: nextID, firstID: nextID, leftPending: view.leftPending)
                }
                return true
            } catch {
                view.withLock { _ in lease.release() }
                throw error
            }
        }
    }

    /// Lets the lease go when nothing is in flight or waiting to be folded.
    package func releaseIfIdle(_ view: inout View) {
        guard view.held, view.inFlight == 0, view.unfolded.isEmpty else { return }
        view.log?.discard()
        lease.release()
        view = View(closed: view.closed, leftPending: view.leftPending)
    }
}
