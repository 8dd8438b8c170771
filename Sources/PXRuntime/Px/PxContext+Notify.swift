import Foundation
import Logging
import PXNotify
import PXState

extension PxContext {
    /// The longest text `px.notify` takes, in bytes (a phone shows far less).
    static let noticeLimit = 4_000
    /// Notices a script may post in an hour of the studio's time; the rest are dropped with a journal line.
    static let noticesPerHour = 20

    /// `px.notify`: posted on the script's state for delivery, unless a dry run
    /// (logged as what would be sent) or the hourly limit (dropped, journalled).
    func notify(_ text: String, title: String?, position: String) -> Bool {
        let now = clock.now()
        let name = (options.scriptPath as NSString).lastPathComponent
        let notice = Notice(kind: .message, title: title ?? "pxscript: \(name)", text: text, script: options.scriptPath, at: now)
        if options.dryRun {
            logger.info("(dry run) would notify: \(notice.title): \(text)", metadata: position.isEmpty ? [:] : ["at": "\(position)"])
            return true
        }
        let recent = (try? store.notices.count(from: .script, since: now.addingTimeInterval(-3600))) ?? 0
        guard recent < Self.noticesPerHour else {
            logger.warning("px.notify dropped: \(Self.noticesPerHour) notifications in the last hour already (\(position))")
            try? store.journal.appendNow(.notificationDropped, detail: "\(position): \(String(text.prefix(80)))", at: now)
            return false
        }
        return options.notifier.post(notice, origin: .script, on: store)
    }
}
