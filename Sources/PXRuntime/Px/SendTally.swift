import LuaKit
import PXState
import Synchronization

/// What a run's sends came to: made, failed, and the first failure's words.
/// A run (or a schedule's run) whose sends failed is a failed run, even when
/// the script caught the errors itself (a `px.map` collects them):
/// no false success.
struct SendTally: Sendable, Equatable {
    /// What became of one send a script asked for.
    enum Outcome: Sendable { case sent, skipped, planned, asked }

    var sent = 0
    /// Already sent before (by its key), so not sent again.
    var skipped = 0
    /// Planned by a dry run (nothing is sent).
    var planned = 0
    /// Asked for approval.
    var asked = 0
    var failed = 0
    /// Of `failed`, those the studio's trouble failed (`StudioTrouble.caused`): worth trying again.
    var troubled = 0
    /// `px.map` items the studio's trouble failed outside a send (a read), and the first one's error.
    var troubledItems = 0
    var firstItemFailure: String?

    /// Whether the studio's trouble failed any of the run's work: the run is tried again.
    var metStudioTrouble: Bool { troubled + troubledItems > 0 }

    mutating func noteTroubledItem(_ index: Int, _ error: any Error) {
        troubledItems += 1
        if firstItemFailure == nil { firstItemFailure = "px.map item \(index): \(Self.words(error))" }
    }
    var firstFailure: String?

    mutating func note(_ outcome: Outcome) {
        switch outcome {
        case .sent: sent += 1
        case .skipped: skipped += 1
        case .planned: planned += 1
        case .asked: asked += 1
        }
    }

    mutating func noteFailed(_ conversationID: String, _ error: any Error) {
        failed += 1
        if StudioTrouble.caused(error) { troubled += 1 }
        if firstFailure == nil { firstFailure = "\(conversationID): \(Self.words(error))" }
    }

    /// `sent 2, already sent 15, asked for approval 1`, or `nothing sent` (with what was skipped, in
    /// parentheses): what the run did, failed or not.
    var summary: String {
        var done: [String] = []
        if planned > 0 { done.append("would send \(planned)") }
        if asked > 0 { done.append("asked for approval \(asked)") }
        if failed > 0 { done.append("failed \(failed)") }
        if sent == 0 && planned == 0 {
            let rest = (skipped > 0 ? ["\(skipped) already sent"] : []) + done
            return "nothing sent" + (rest.isEmpty ? "" : " (\(rest.joined(separator: ", ")))")
        }
        return ((sent > 0 ? ["sent \(sent)"] : []) + (skipped > 0 ? ["already sent \(skipped)"] : []) + done).joined(separator: ", ")
    }

    /// `sent 12, failed 3: first error conv_…: …` (with `already sent 4`, `would send 2` in a dry
    /// run, `asked for approval 1` where they happened), or nil when nothing failed.
    var failureSummary: String? {
        // Items the studio failed without a send failing: the run did not do its job either.
        if failed == 0, troubledItems > 0 {
            return "\(summary); \(troubledItems) px.map item\(troubledItems == 1 ? "" : "s") failed for the studio's trouble: first error \(firstItemFailure ?? "?")"
        }
        guard failed > 0 else { return nil }
        var parts: [String] = []
        if sent > 0 || skipped + asked + planned == 0 { parts.append("sent \(sent)") }
        if planned > 0 { parts.append("would send \(planned)") }
        if skipped > 0 { parts.append("already sent \(skipped)") }
        if asked > 0 { parts.append("asked for approval \(asked)") }
        return (parts + ["failed \(failed)"]).joined(separator: ", ") + ": first error \(firstFailure ?? "?")"
    }

    static func words(_ error: any Error) -> String {
        if let failure = error as? LuaScriptError { return failure.message }
        return String(describing: error)
    }
}

/// A tally shared by the tasks of one run.
final class SendTallies: Sendable {
    private let tally = Mutex(SendTally())

    func note(_ outcome: SendTally.Outcome) { tally.withLock { $0.note(outcome) } }
    func noteFailed(_ conversationID: String, _ error: any Error) { tally.withLock { $0.noteFailed(conversationID, error) } }
    func noteTroubledItem(_ index: Int, _ error: any Error) { tally.withLock { $0.noteTroubledItem(index, error) } }
    var current: SendTally { tally.withLock { $0 } }
}
