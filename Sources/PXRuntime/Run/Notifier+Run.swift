import Foundation
import PixiesetKit
import PXNotify
import PXState

extension Notifier {
    /// After a one-off run (`pxscript run`): the session's condition raised or cleared by how it
    /// ended, the approvals it asked for listed (one digest per interval), and what is pending
    /// delivered for at most `limit`; the rest waits in the state for the next run or daemon.
    public func finishRun(
        on store: StateStore, error: (any Error)?, maxSends: Int, script: String? = nil, failedSends: String? = nil, at now: Date,
        within limit: Duration = .seconds(5)
    ) async {
        // Sends that failed, caught by the script or not: the run did not do its job.
        if let failedSends {
            post(Notice(kind: .message, title: "pxscript: sends failed in \(script.map { ($0 as NSString).lastPathComponent } ?? "a run")",
                        text: failedSends + "\nRun `pxscript status\(script.map { " \($0)" } ?? "")` for the journal.", script: script, at: now),
                 origin: .daemon, on: store)
        }
        if let error, let refusal = SessionRefusal(error) {
            raise(.session(refusal), script: nil, on: store, at: now)
        } else if case RuntimeError.sendCap? = error {
            raise(.cap(limit: maxSends), script: script, on: store, at: now)
        } else if error == nil {
            for name in SessionRefusal.allCases.map(\.noticeName) + ["cap"] { clear(name, script: script, on: store, at: now) }
        }
        digestApprovals(on: store, at: now)
        guard let courier else { return }
        courier.serve(store)
        await Task(executorPreference: StateThreads.shared) { await courier.flush(within: limit) }.value
    }
}
