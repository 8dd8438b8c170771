import Foundation
import GRDB
import PixiesetKit
import PixiesetModels
import PXState

/// What `pxscript status` shows of a state.
public struct StateStatus: Sendable {
    public let day: String
    public let sendsToday: Int
    public let pending: [OutboxEntry]
    public let journal: [JournalEntry]
    public let paused: Bool
    /// Watch: the session's problem (expired), if any.
    public let session: String?
    /// Watch: the newest message time answered from (server time), if it ever ran.
    public let watermark: Date?
    /// Watch: messages waiting to be handled (or retried).
    public let waiting: Int
    /// Watch: schedules as the daemon last saw them.
    public let schedules: [ScheduleRecord]
    /// Watch: parked messages with their error and traceback.
    public let parked: [(id: String, conversationID: String, reason: String?, traceback: String?)]
    /// Seconds the studio's clock was ahead of this machine's at the last run.
    public let studioOffset: Double?
    /// The zone days and schedule times are shown in (the state's own).
    public let timeZone: TimeZone
    /// The watch daemon working on this state (`DaemonLock.holder`): nil when none runs.
    public var daemon: String?
    /// Notifications not yet delivered to some target, and those a target was given up on.
    public var notices: (waiting: Int, givenUp: Int) = (0, 0)

    /// Client names by conversation, for the lines that name one (`conv_… (Ann Lee)`).
    public var names: [String: String] = [:]
    /// The send cap of the last run or daemon on this state (nil: none recorded).
    public var capInForce: Int?
    /// Watch: the studio not answering the daemon's polls, since when and why (nil: it answers).
    public var studioOutage: (since: Date, why: String)?
    /// When the status was taken: a time of another year shows its year.
    public var now: Date?

    /// A time as the photographer reads it: `Mon 2 Mar 09:00 EST` (`ShownTime`).
    func local(_ date: Date) -> String { ShownTime.text(date, in: timeZone, now: now) }

    /// `conv_… (Ann Lee)`: a conversation id with its client's name, when known; text from outside escaped.
    func named(_ id: String) -> String {
        TerminalText.escaped(id) + (names[id].map { " (\(TerminalText.escaped($0)))" } ?? "")
    }

    public func text(cap: Int, path: String) -> String {
        var lines = [
            "state: \(path)",
            "sends: \(paused ? "PAUSED (pxscript resume to restart them)" : "running")",
            "today (\(day), \(timeZone.identifier)): \(sendsToday) of \(cap) sends",
        ]
        // The session is watched by `watch` only: a state only `run` used says nothing of it.
        if let session { lines.insert("session: \(session)", at: 2) } else if watermark != nil { lines.insert("session: ok", at: 2) }
        // Said only while a daemon runs: a daemon stopped during an outage left the mark behind.
        if let studioOutage, daemon != nil {
            lines.insert(
                "studio: NOT ANSWERING since \(local(studioOutage.since)) (\(TerminalText.escaped(studioOutage.why))); the daemon tries every poll,"
                    + " and new messages are read and answered once it answers", at: 2)
        }
        if let studioOffset, abs(studioOffset) > RuntimeClock.notableOffset {
            lines.append("warning: \(RuntimeClock.describe(offset: studioOffset)) (pxscript uses the studio's time; set this machine's clock right for your other tools)")
        }
        lines.append(pending.isEmpty ? "pending sends: none" : "pending sends (checked before the next run sends anything):")
        for entry in pending {
            lines.append("  \(named(entry.intent.conversationID)) since \(local(entry.attemptedAt)): \(TerminalText.escaped(String(entry.intent.content.prefix(60))))")
        }
        if let watermark { lines.append("watch: answering messages since \(local(watermark)); \(waiting) waiting") }
        // A watched script, with handlers or schedules only: whether a daemon runs it.
        if watermark != nil || !schedules.isEmpty || daemon != nil { lines.append("daemon: \(daemon.map { "running (\($0))" } ?? "not running")") }
        for schedule in schedules {
            let last = schedule.lastRun.map(local).map { last in schedule.lastFailure.map { "\(last) FAILED: \(TerminalText.escaped(String($0.prefix(200))))" } ?? last } ?? "never"
            // A time already past with no daemon running: it runs (once) when the daemon starts.
            let overdue = daemon == nil && (schedule.nextRun.map { $0 < (now ?? .distantFuture) } ?? false)
            let next = schedule.nextRun.map(local).map { overdue ? "\($0) (missed; runs once when the daemon starts)" : $0 } ?? "never"
            lines.append("schedule \(SendKeyText.scheduleName(schedule.id)): next \(next), last \(last)")
        }
        if !parked.isEmpty {
            lines.append("parked (failed \(parked.count == 1 ? "handler" : "handlers"); once the script is fixed, `pxscript retry --state \(path) --all` queues \(parked.count == 1 ? "it" : "them") again):")
        }
        for event in parked {
            lines.append("  \(TerminalText.escaped(event.id)) in \(named(event.conversationID)): \(TerminalText.escaped(event.reason ?? "?"))")
            for line in (event.traceback ?? "").split(separator: "\n").prefix(6) { lines.append("    \(TerminalText.escaped(String(line)))") }
        }
        if notices.waiting + notices.givenUp > 0 {
            let parts = [notices.waiting > 0 ? "\(notices.waiting) waiting for delivery" : nil,
                         notices.givenUp > 0 ? "\(notices.givenUp) given up (the journal says why)" : nil].compactMap { $0 }
            lines.append("notifications: " + parts.joined(separator: ", "))
        }
        lines.append(journal.isEmpty ? "journal: empty" : "journal (newest last):")
        for entry in journal {
            lines.append("  \(local(entry.at))  \(entry.kind)  \(entry.conversationID.map(named) ?? "-")  \(TerminalText.escaped(entry.detail))")
        }
        return lines.joined(separator: "\n")
    }

    public func json(cap: Int, path: String) throws -> String {
        struct Pending: Encodable { let conversation_id: String; let since: String; let content: String }
        struct Entry: Encodable { let at: String; let kind: String; let conversation_id: String?; let detail: String }
        struct ScheduleEntry: Encodable { let id: String; let last_run: String?; let next_run: String?; let last_failure: String? }
        struct Parked: Encodable { let message_id: String; let conversation_id: String; let reason: String?; let traceback: String? }
        struct Body: Encodable {
            let state: String; let paused: Bool; let day: String; let sends_today: Int; let max_sends: Int
            let pending: [Pending]; let journal: [Entry]
            let session: String?; let watermark: String?; let waiting: Int; let schedules: [ScheduleEntry]; let parked: [Parked]
            let studio_offset_seconds: Double?; let time_zone: String; let daemon: String?
            let notifications_waiting: Int; let notifications_given_up: Int
        }
        let body = Body(
            state: path, paused: paused, day: day, sends_today: sendsToday, max_sends: cap,
            pending: pending.map { Pending(conversation_id: $0.intent.conversationID, since: ISOTime.format($0.attemptedAt), content: $0.intent.content) },
            journal: journal.map { Entry(at: ISOTime.format($0.at), kind: $0.kind, conversation_id: $0.conversationID, detail: $0.detail) },
            session: session, watermark: watermark.map(ISOTime.format), waiting: waiting,
            schedules: schedules.map { ScheduleEntry(id: $0.id, last_run: $0.lastRun.map(ISOTime.format), next_run: $0.nextRun.map(ISOTime.format), last_failure: $0.lastFailure) },
            parked: parked.map { Parked(message_id: $0.id, conversation_id: $0.conversationID, reason: $0.reason, traceback: $0.traceback) },
            studio_offset_seconds: studioOffset, time_zone: timeZone.identifier, daemon: daemon,
            notifications_waiting: notices.waiting, notifications_given_up: notices.givenUp)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(body), as: UTF8.self)
    }
}

extension StateStore {
    /// The calendar day of `date` in `timeZone` (`2026-11-25`): the send
    /// cap counts sends per such day (docs/spec.md §5).
    public static func day(of date: Date, in timeZone: TimeZone) -> String { dayBounds(of: date, in: timeZone).day }

    /// That day's name with its bounds: its start, and its end (the next
    /// midnight, when the cap resets).
    static func dayBounds(of date: Date, in timeZone: TimeZone) -> (day: String, start: Date, end: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let bounds = calendar.dateInterval(of: .day, for: date) ?? DateInterval(start: date, duration: 86_400)
        return (String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0), bounds.start, bounds.end)
    }

    public func status(now: Date, timeZone: TimeZone, journalLimit: Int) throws -> StateStatus {
        let day = Self.day(of: now, in: timeZone)
        var status = StateStatus(
            day: day, sendsToday: try sends.sendCount(day: day), pending: try sends.pendingSends(), journal: try journal.tail(limit: journalLimit),
            paused: try settings.isPaused(), session: try settings.sessionProblem(),
            watermark: try ledger.watermark().map { StoredTime.date(seconds: Double($0) / 1_000_000) },
            waiting: try ledger.openEvents().count, schedules: try schedules.list(), parked: try ledger.events(inState: .parked, limit: 50),
            studioOffset: try settings.studioOffset(), timeZone: timeZone)
        status.notices = try notices.backlog()
        status.now = now
        status.capInForce = try settings.value(.capInForce).flatMap(Int.init)
        if let outage = try settings.value(.studioOutage), let tab = outage.firstIndex(of: "\t"), let since = Double(outage[..<tab]) {
            status.studioOutage = (StoredTime.date(seconds: since), String(outage[outage.index(after: tab)...]))
        }
        status.names = try ledger.clientNames(for: status.journal.compactMap(\.conversationID) + status.parked.map(\.conversationID)
            + status.pending.map(\.intent.conversationID))
        return status
    }
}
