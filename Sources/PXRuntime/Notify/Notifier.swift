import Foundation
import Logging
import PixiesetKit
import PXConfig
import PXNotify
import PXState

/// How the runtime tells the photographer: it writes a notice to
/// a state (one delivery per target) and rings the courier. It never waits
/// for a delivery and never fails what it is called from: a notice that
/// cannot be written is logged and dropped.
public struct Notifier: Sendable {
    public let targets: [NoticeTarget]
    /// At most one "approvals waiting" notice per this many seconds.
    public let approvalDigest: Double
    let courier: Courier?
    /// Secrets no notice may carry: the cookie, tokens, webhook URLs.
    let redactor: Redactor
    let logger: Logger

    /// Records notices without delivering any (no targets, no courier): dry runs, scenario tests.
    public static let recording = Notifier(config: NotifyConfig(), redactor: Redactor(cookie: nil), courier: nil, logger: Logger(label: "pxscript"))

    public init(config: NotifyConfig, redactor: Redactor, courier: Courier?, logger: Logger) {
        targets = NoticeTarget.all(config)
        approvalDigest = config.approvalDigest
        self.courier = courier
        self.redactor = redactor
        self.logger = logger
    }

    /// Where deliveries are recorded: every target's key when a courier delivers them, none otherwise.
    var keys: [String] { courier == nil ? [] : targets.map(\.key) }

    private func cleaned(_ notice: Notice) -> Notice {
        var notice = notice
        notice.title = redactor.redact(notice.title)
        notice.text = redactor.redact(notice.text)
        return notice
    }

    /// Posts a one-off notice on `store`; false when it could not be recorded (logged).
    @discardableResult
    public func post(_ notice: Notice, origin: NoticeOrigin = .daemon, on store: StateStore) -> Bool {
        do {
            try store.notices.post(cleaned(notice), origin: origin, targets: keys)
            courier?.ring()
            return true
        } catch {
            logger.error("a notification could not be recorded (\(error)): \(notice.title)")
            return false
        }
    }

    /// Raises `condition` on `store` (notifies unless it is raised already); false when it could not be recorded (logged).
    @discardableResult
    /// - Parameter quietly: a failure is the caller's to handle (it tries elsewhere), logged at debug only.
    func raise(_ condition: NoticeCondition, script: String?, on store: StateStore, at now: Date, quietly: Bool = false) -> Bool {
        let (notice, detail) = condition.raised(script: script, at: now)
        do {
            if try store.notices.raise(condition.name, detail: redactor.redact(detail), notice: cleaned(notice), targets: keys) { courier?.ring() }
            return true
        } catch {
            let line = "a notification could not be recorded (\(error)): \(notice.title)"
            if quietly { logger.debug("\(line)") } else { logger.error("\(line)") }
            return false
        }
    }

    /// Delivers `notice` at once, without recording it: for when no state can be written (a full
    /// disk), so the photographer still hears of it. One try per target; failures are logged.
    func deliverUnrecorded(_ notice: Notice) {
        courier?.deliverUnrecorded(cleaned(notice))
    }

    /// Clears the condition named `name` on `store` (notifies when it was raised).
    func clear(_ name: String, script: String?, on store: StateStore, at now: Date) {
        do {
            if try store.notices.clear(name, targets: keys, notice: { NoticeCondition.cleared(name, detail: $0, script: script, at: now) }) {
                courier?.ring()
            }
        } catch {
            logger.error("a notification could not be recorded (\(error))")
        }
    }

    /// Clears every raised condition on `store` whose name starts with `prefix` and that `stillRaised` does not keep.
    func clearAll(prefix: String, on store: StateStore, script: String?, at now: Date, keeping stillRaised: (String) -> Bool = { _ in false }) {
        let raised = (try? store.notices.raised()) ?? [:]
        for name in raised.keys.sorted() where name.hasPrefix(prefix) && !stillRaised(name) {
            clear(name, script: script, on: store, at: now)
        }
    }
}
