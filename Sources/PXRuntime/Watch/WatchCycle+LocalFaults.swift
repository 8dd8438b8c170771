import Foundation
import Logging
import PXState

extension WatchCycle {
    /// This machine failed a state during a pass: logged and notified once, the script
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
