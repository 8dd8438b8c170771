import Foundation
import Logging

extension WatchCycle {
    /// This machine failed a state during a pass (issue 33): logged and notified once, the script
    /// keeps its place (never set aside), and what failed is tried again after a pause that doubles
    /// from 0.5 s up to the poll interval. Nothing is lost: the poll's watermark and events, a
    /// handler's effects and a send's record are written in one transaction each, so what could
    /// not be written is found or run again; a send whose intent could not be recorded never left.
    mutating func localFault(_ fault: LocalFault, in hosts: inout [ScriptHost], at index: Int?) {
        let now = clock.now()
        // SQLite's errors do not name the file: the state of the script, or the daemon's only one.
        let owner = index.map { hosts[$0].store.path } ?? (hosts.count == 1 ? hosts.first?.store.path : nil)
        let fault = fault.path == nil ? LocalFault(fault.kind, path: owner, detail: fault.detail) : fault
        let first = !faults.isFailing
        faults.note(fault, at: now)
        let pause = faults.failed(index, at: now, interval: configuration.interval)
        if let index { hosts[index].wake = min(hosts[index].wake ?? .distantFuture, now.addingTimeInterval(pause)) }
        guard first else {
            logger.debug("still failing: \(fault)")
            return
        }
        let label = index.map { hosts.count > 1 ? "\(hosts[$0].script.path): " : "" } ?? ""
        logger.error("\(label)\(fault); the daemon goes on and tries again (messages wait, none is lost or sent twice)")
        // Recorded on a state that works (another script's, else its own); when none can be
        // written, delivered at once without a record, so the photographer hears of it anyway.
        let faulty = index.map { hosts[$0].store }
        let stores = hosts.map(\.store).filter { $0 !== faulty } + (faulty.map { [$0] } ?? [])
        faults.noticeStore = stores.first { notifier.raise(.localFault(fault), script: nil, on: $0, at: now, quietly: true) }
        if faults.noticeStore == nil {
            notifier.deliverUnrecorded(NoticeCondition.localFault(fault).raised(script: nil, at: now).notice)
        }
    }

    /// Every operation that met the fault has worked since: said once, in the log and a notice.
    func faultCleared(_ fault: LocalFault, since: Date, hosts: [ScriptHost]) {
        let lasted = DurationText.format(max(0, clock.now().timeIntervalSince(since)))
        logger.info("the state can be written again (after \(lasted)); going on where it stopped")
        let name = NoticeCondition.localFault(fault).name
        if let store = faults.clearedNoticeStore {
            notifier.clear(name, script: nil, on: store, at: clock.now())
        } else {
            let detail = "the state \(fault.path ?? "file")"
            notifier.deliverUnrecorded(NoticeCondition.cleared(name, detail: detail, script: nil, at: clock.now()))
        }
    }
}

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
