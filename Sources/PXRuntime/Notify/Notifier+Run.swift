import Foundation

extension Notifier {
    /// After a one-off run (`pxscript run`): the session's condition raised or cleared by how it
    /// ended, the approvals it asked for listed (one digest per interval), and what is pending
    /// delivered for at most `limit`; the rest waits in the state for the next run or daemon.
    public func finishRun(
        on store: StateStore, error: (any Error)?, maxSends: Int, script: String? = nil, at now: Date, within limit: Duration = .seconds(5)
    ) async {
        if let error, let refusal = SessionRefusal(error) {
            raise(.session(csrf: refusal == .csrf), script: nil, on: store, at: now)
        } else if case RuntimeError.sendCap? = error {
            raise(.cap(limit: maxSends), script: script, on: store, at: now)
        } else if error == nil {
            for name in ["session", "csrf", "cap"] { clear(name, script: script, on: store, at: now) }
        }
        digestApprovals(on: store, at: now)
        guard let courier else { return }
        courier.serve(store)
        await Task(executorPreference: StateThreads.shared) { await courier.flush(within: limit) }.value
    }
}
