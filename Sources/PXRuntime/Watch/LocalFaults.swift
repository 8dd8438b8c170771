import Foundation
import PXState

/// The local faults a daemon is waiting out: which operations met one (the poll, or a script's
/// handling by its index) and when each is tried again.
struct LocalFaults {
    /// The fault first met, and since when.
    private(set) var first: (fault: LocalFault, since: Date)?
    /// What failed and is not yet working again (nil key: the poll), with its tries and next try.
    private var failing: [Int?: (tries: Int, retry: Date)] = [:]
    /// The state the notice was recorded on (nil: none could be written; it went out unrecorded).
    var noticeStore: StateStore?
    /// `noticeStore` of the fault that just cleared (`takeCleared`).
    private(set) var clearedNoticeStore: StateStore?

    var isFailing: Bool { first != nil }
    var pollRetry: Date? { failing[nil]?.retry }

    /// `operation` failed at `now`: the pause before its next try.
    mutating func failed(_ operation: Int?, at now: Date, interval: Double) -> Double {
        let tries = (failing[operation]?.tries ?? 0) + 1
        let pause = min(max(interval, 0.5), 0.5 * Double(1 << min(tries - 1, 16)))
        failing[operation] = (tries, now.addingTimeInterval(pause))
        return pause
    }

    mutating func note(_ fault: LocalFault, at now: Date) {
        if first == nil { first = (fault, now) }
    }

    /// `operation` worked.
    mutating func worked(_ operation: Int?) { failing[operation] = nil }

    /// The fault, once nothing fails any more (then forgotten).
    mutating func takeCleared() -> (LocalFault, Date)? {
        guard let first, failing.isEmpty else { return nil }
        clearedNoticeStore = noticeStore
        self.first = nil
        noticeStore = nil
        return first
    }
}
