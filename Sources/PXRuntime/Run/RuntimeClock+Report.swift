import Foundation
import Logging
import PixiesetKit
import PXState

extension RuntimeClock {
    /// Offsets past this are worth telling the photographer about (docs/spec.md §4):
    /// pxscript copes, but their other tools may not.
    public static let notableOffset: Double = 60

    /// Records the measured offset on `store` (for `status`) when it moved
    /// by more than a second since `recorded`, and warns once per process
    /// when it exceeds a minute. Returns the offset now recorded.
    @discardableResult
    func report(to store: StateStore, logger: Logger, recorded: Double?) -> Double? {
        guard studio.isMeasured else { return recorded }
        let offset = studio.offset
        logger.debug("studio clock: \(offset == 0 ? "in step with this machine's" : Self.describe(offset: offset)) (offset \(String(format: "%+.3f", offset)) s)")
        if abs(offset) > Self.notableOffset, studio.takeFirstNotice() {
            logger.warning("\(Self.describe(offset: offset)); pxscript reckons every time in the studio's")
        }
        guard recorded.map({ abs($0 - offset) > 1 }) ?? true else { return recorded }
        try? store.settings.set(.studioOffset, String(format: "%.3f", offset))
        return offset
    }

    /// The studio's time without a request (`status`, `approvals`): measured already, or this
    /// machine's clock plus the offset the state's last run recorded.
    public func now(recordedFor store: StateStore) -> Date {
        studio.isMeasured ? now() : now().addingTimeInterval((try? store.settings.studioOffset()) ?? 0)
    }

    /// "this machine's clock is 1 h 5 min ahead of the studio's".
    public static func describe(offset: Double) -> String {
        let seconds = Int(min(abs(offset), 1e9).rounded())
        let (days, hours, minutes) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60)
        var parts: [String] = []
        if days > 0 { parts.append("\(days) d") }
        if hours > 0 { parts.append("\(hours) h") }
        if minutes > 0 || parts.isEmpty { parts.append(minutes > 0 ? "\(minutes) min" : "\(seconds % 60) s") }
        // A positive offset: the studio is ahead, so this machine is behind.
        return "this machine's clock is \(parts.joined(separator: " ")) \(offset > 0 ? "behind" : "ahead of") the studio's"
    }
}
