import LuaKit
import Synchronization

/// What a run's sends came to: made, failed, and the first failure's words.
/// A run (or a schedule's run) whose sends failed is a failed run, even when
/// the script caught the errors itself (a `px.map` collects them): issue 27,
/// "no false success".
struct SendTally: Sendable, Equatable {
    var sent = 0
    var failed = 0
    var firstFailure: String?

    mutating func noteSent() { sent += 1 }

    mutating func noteFailed(_ conversationID: String, _ error: any Error) {
        failed += 1
        if firstFailure == nil { firstFailure = "\(conversationID): \(Self.words(error))" }
    }

    /// `sent 12, failed 3: first error conv_…: …`, or nil when nothing failed.
    var failureSummary: String? {
        guard failed > 0 else { return nil }
        return "sent \(sent), failed \(failed): first error \(firstFailure ?? "?")"
    }

    static func words(_ error: any Error) -> String {
        if let failure = error as? LuaScriptError { return failure.message }
        return String(describing: error)
    }
}

/// A tally shared by the tasks of one run.
final class SendTallies: Sendable {
    private let tally = Mutex(SendTally())

    func noteSent() { tally.withLock { $0.noteSent() } }
    func noteFailed(_ conversationID: String, _ error: any Error) { tally.withLock { $0.noteFailed(conversationID, error) } }
    var current: SendTally { tally.withLock { $0 } }
}
