import Foundation
import Logging
import PXState
import Synchronization

/// When the daemon sweeps (docs/watch.md "Polite polling"). A sweep reads every
/// conversation active in the last day in full: about 16 times the polls'
/// own requests at a 30 s interval for 300 active conversations, which a real
/// account must not cost the studio for nothing. It exists for an API that hides
/// a message from the list (docs/assumptions.md A21–A25), so it runs while the
/// API has shown such a fault in the last `quirkMemory`: a list out of order,
/// a `meta.last_page` that ends too soon, a time from the future, details that
/// lag the list or hold only the latest messages, a message the list did not
/// show. A message hidden by a fault not seen yet is found by the slow rotation,
/// which then makes the daemon wary.
extension Poller {
    /// Seconds a fault keeps the daemon sweeping after it was last seen: a day.
    static let quirkMemory: Double = 86_400

    /// Whether the API showed, within `quirkMemory`, a fault the sweep exists for. A time
    /// recorded a little ahead of `now` (the studio's clock went back) counts as recent; one further
    /// ahead than `quirkMemory` is no time this daemon wrote, and would keep it sweeping for good.
    func isWary(now: Date) throws -> Bool {
        guard let last = try store.settings.value(.lastQuirk).flatMap(Double.init), last.isFinite else { return false }
        let since = now.timeIntervalSince1970 - last
        return since < Self.quirkMemory && since > -Self.quirkMemory
    }

    /// The API did something that can hide a message from the list (a reason, for the log).
    func noteQuirk(_ reason: String) {
        memory.quirks.withLock { $0.append(reason) }
    }

    /// Records this poll's faults, if any: the daemon sweeps for a day from now.
    func rememberQuirks(now: Date, wasWary: Bool) throws {
        let reasons = memory.quirks.withLock { quirks -> [String] in
            defer { quirks = [] }
            return quirks
        }
        guard let first = reasons.first else { return }
        try store.settings.set(.lastQuirk, String(now.timeIntervalSince1970))
        if !wasWary {
            logger.notice(
                "the studio's API \(first): every conversation active in the last day is read in full every \(Int(sweepInterval / 60)) minutes until a day passes without such a fault")
        }
    }
}
