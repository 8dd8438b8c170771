import Foundation
import PXNotify
import PXState

/// The watch daemon found to have been down: its last run ended
/// without stopping (killed, crashed, the machine lost power) and its last
/// sign of life is older than a few polls. A daemon stopped on purpose
/// (Ctrl-C, `systemctl stop`) records that it stopped, and is not "down".
struct Downtime: Sendable {
    let from: Date
    let to: Date

    /// The downtime `store` shows at `now`, if any; reads the marks the last run left, and
    /// clears its "stopped" mark (a daemon runs on it from now on).
    static func found(in store: StateStore, now: Date, interval: Double) -> Downtime? {
        let beat = (try? store.settings.value(.heartbeat)).flatMap { $0 }.flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
        let stopped = (try? store.settings.value(.stoppedAt)).flatMap { $0 }
        try? store.settings.set(.stoppedAt, nil)
        guard let beat, stopped == nil, now.timeIntervalSince(beat) > max(3 * interval, 120) else { return nil }
        return Downtime(from: beat, to: now)
    }

    /// The notice, with what the first pass after the start did.
    func notice(caughtUp: String?, zone: TimeZone) -> Notice {
        let format = Date.FormatStyle(date: .abbreviated, time: .shortened, timeZone: zone)
        let length = DurationText.format(to.timeIntervalSince(from))
        return Notice(
            kind: .message, title: "pxscript was not running for \(length)",
            text: "From \(from.formatted(format)) to \(to.formatted(format)) (it did not stop on purpose: the machine or the process went down).\n"
                + "On start it caught up: \(caughtUp ?? "nothing new to answer").",
            at: to)
    }
}
