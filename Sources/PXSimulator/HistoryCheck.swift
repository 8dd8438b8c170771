import Crypto
import Foundation
import PXState
import StudioSandbox

/// What must hold of the studio's history after a seed's run (docs/simulation.md):
/// - at most one reply per client message (exactly-once), whatever faults, restarts and crashes came;
/// - no reply to history (what was there at the first start), to the photographer's own messages,
///   or to pxscript's own replies (the loop guard);
/// - no reply while sends were paused (after the one poll the flag may take to be seen);
/// - liveness: once the faults stop, every client message is answered.
struct HistoryCheck {
    let sandbox: RunningSandbox
    let run: Run

    /// Seconds after a pause in which a send already decided may still leave ("within one poll").
    static let pauseSlack: Double = 31

    func result(seed: UInt64, quirks: String) throws -> SimulationResult {
        let studio = try sandbox.database.studioMessages(after: 0).records
        let replies = studio.filter { $0.content.hasPrefix("re ") }
        var answered: [String: [(id: String, at: Double)]] = [:]
        for reply in replies { answered[String(reply.content.dropFirst(3)), default: []].append((reply.id, reply.sentAt)) }
        let clientMessages = Set(run.written.map(\.content))
        var violations: [String] = []
        for (content, times) in answered.sorted(by: { $0.key < $1.key }) {
            if times.count > 1 {
                let sends = times.map { "\($0.id) at \(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: $0.at)))" }
                violations.append("\(times.count) replies to \"\(content)\": sent more than once (\(sends.joined(separator: ", ")))")
            }
            guard !clientMessages.contains(content) else { continue }
            let what =
                if content.hasPrefix("h") { "history, there before the first start" }
                else if content.hasPrefix("re ") { "pxscript's own reply (a loop)" }
                else if content.hasPrefix("s") { "the photographer's own message" }
                else if content.hasPrefix("o") { "an outreach note a run on the same state sent" }
                else { "a message no client wrote" }
            violations.append("a reply to \"\(content)\": \(what)")
        }
        violations += outreachViolations(studio)
        for reply in replies + studio.filter({ $0.content.hasPrefix("o") }) {
            let at = Date(timeIntervalSince1970: reply.sentAt)
            for pause in run.pauses where at > pause.from.addingTimeInterval(Self.pauseSlack) && at < (pause.to ?? .distantFuture) {
                violations.append("\"\(reply.content)\" sent at \(ISO8601DateFormatter().string(from: at)) while sends were paused (from \(ISO8601DateFormatter().string(from: pause.from)))")
            }
        }
        // The daemon's state, read once for what the checks below and the report need.
        let state = try StateStore(path: run.statePath)
        defer { try? state.close() }
        violations += try approvalViolations(studio, state: state)
        violations += capViolations(studio)
        let (nightly, nights) = try nightlyViolations(state: state)
        violations += nightly
        // A message asking for approval is answered once approved (checked above), not by itself.
        for message in run.written where answered[message.content] == nil && !message.content.hasSuffix("?") {
            violations.append("\"\(message.content)\" (written \(ISO8601DateFormatter().string(from: message.at))) never answered, hours after the faults stopped")
        }
        let history = try history()
        return SimulationResult(
            seed: seed, violations: violations, historyHash: Self.hash(history), history: history, trace: run.trace, clientMessages: run.written.count,
            replies: replies.count, parked: try state.ledger.parkedCount(), restarts: run.restarts, crashes: run.crashes,
            asked: run.written.filter { $0.content.hasSuffix("?") }.count, approvedSent: replies.filter { $0.content.hasSuffix("?") }.count, nights: nights,
            maxSends: run.plan.maxSends, quirks: quirks)
    }

    /// The send cap (docs/spec.md "Send cap"): pxscript's sends of a calendar day in the script's zone,
    /// daemon and runs together, stay within `--max-sends`. The daemon counts days by its reading of the
    /// studio's clock, which a step (NTP) moves by up to two minutes until its next answer: the sends
    /// within five minutes of a midnight may count on either side of it, but all those before some
    /// instant on one side and the rest on the other (one reading of the clock at a time). The check
    /// looks for such a split at every midnight that keeps every day within the cap.
    func capViolations(_ studio: [SandboxDatabase.MessageRecord]) -> [String] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Simulation.zone
        let sends = studio.filter { $0.content.hasPrefix("re ") || $0.content.hasPrefix("o") }.map { Date(timeIntervalSince1970: $0.sentAt) }
        guard let first = sends.min(), let last = sends.max() else { return [] }
        // Days from the first send's to the last's; each with its sends well inside it and those near its start.
        var days: [Date] = []
        var day = calendar.startOfDay(for: first)
        while day <= last {
            days.append(day)
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { break }
            day = next
        }
        days.append(day)  // the midnight after the last day
        let slack: Double = 300
        // near[i]: how many sends within 5 minutes of midnight days[i]; inner[i]: the rest of day i.
        var near = Array(repeating: 0, count: days.count), inner = Array(repeating: 0, count: days.count)
        for send in sends {
            guard let index = days.lastIndex(where: { $0 <= send.addingTimeInterval(slack) }) else { continue }
            if abs(send.timeIntervalSince(days[index])) < slack { near[index] += 1 } else { inner[index] += 1 }
        }
        // possible[k]: the days before midnight i can all stay within the cap with k of its near sends
        // counted on the day before it (the rest on the day after).
        let cap = run.plan.maxSends
        var possible = Set(0...near[0])
        for index in 0..<(days.count - 1) {
            var next: Set<Int> = []
            for toPrevious in possible {
                let carried = near[index] - toPrevious
                for kept in 0...near[index + 1] where carried + inner[index] + kept <= cap { next.insert(kept) }
            }
            guard !next.isEmpty else {
                let count = inner[index] + near[index] + near[index + 1]
                return ["\(count) sends on or around the local day from \(ISO8601DateFormatter().string(from: days[index])) (\(inner[index]) well inside it): no reading of the studio's clock keeps it within the cap of \(cap)"]
            }
            possible = next
        }
        return []
    }

    /// Seconds before an approved reply in which a client's message may not be seen yet: the studio
    /// may show a message that late (`eventual_consistency=3s`), and the read right before the send is all
    /// pxscript can go by.
    static let withdrawSlack: Double = 5

    /// Approvals (docs/approvals.md): a reply that waits for approval goes out only once approved, never
    /// after a rejection, never once the conversation moved on (the client wrote again, the photographer
    /// answered by hand); every asking message has its request; once the faults stopped, nothing approved
    /// is left unsent.
    func approvalViolations(_ studio: [SandboxDatabase.MessageRecord], state: StateStore) throws -> [String] {
        let requests = try state.approvals.list()
        var violations: [String] = []
        let asked = Set(requests.map(\.content))
        for message in run.written where message.content.hasSuffix("?") && !asked.contains("re " + message.content) {
            violations.append("\"\(message.content)\" asked for approval but no request was recorded")
        }
        for request in requests where request.state == .approved {
            violations.append("\(request.id) (\"\(request.text)\") approved but never sent, hours after the faults stopped")
        }
        // What the photographer approved goes out, unless the conversation moved on after the question:
        // a request withdrawn (or refused) with nothing written after the question was withdrawn wrongly.
        let byID = Dictionary(requests.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for decision in run.decisions where decision.approved && decision.took {
            guard let request = byID[decision.id], request.state != .sent, request.state != .approved else { continue }
            let asking = String(request.content.dropFirst(3))
            guard let question = run.written.first(where: { $0.content == asking }) else { continue }
            let movedOn = run.written.contains { $0.conversation == question.conversation && $0.at > question.at }
                || run.handWritten.contains { $0.conversation == question.conversation && $0.at > question.at }
            if !movedOn {
                violations.append("\(request.id) (\"\(request.text)\") approved, then \(request.state.rawValue) (\(request.detail ?? "")) though nobody wrote in its conversation after the question")
            }
        }
        let decided = Dictionary(run.decisions.filter(\.took).map { ($0.text, $0.approved) }, uniquingKeysWith: { first, _ in first })
        let moves = run.written.map { ($0.content, $0.conversation, $0.at) } + run.handWritten.map { ($0.content, $0.conversation, $0.at) }
        let stamp = ISO8601DateFormatter()
        for reply in studio where reply.content.hasPrefix("re ") && reply.content.hasSuffix("?") {
            let asking = String(reply.content.dropFirst(3))
            switch decided[reply.content] {
            case true?: break
            case false?: violations.append("\"\(reply.content)\" sent after the photographer rejected it")
            case nil: violations.append("\"\(reply.content)\" sent without the photographer's approval")
            }
            guard let question = run.written.first(where: { $0.content == asking }) else { continue }
            let sentAt = Date(timeIntervalSince1970: reply.sentAt)
            for (content, conversation, at) in moves
            where conversation == question.conversation && at > question.at && at < sentAt.addingTimeInterval(-Self.withdrawSlack) {
                violations.append(
                    "\"\(reply.content)\" sent at \(stamp.string(from: sentAt)) after the conversation moved on (\"\(content)\" at \(stamp.string(from: at))): it should have been withdrawn")
                break
            }
        }
        return violations
    }

    /// Minutes a nightly run may come off its time: the studio's clock steps (NTP, up to two minutes a
    /// step) until the daemon reads it again, and a crash's restart takes seconds.
    static let scheduleSlack = 10

    /// The nightly schedules (1:30 and 2:30 local, `Simulation.script`) ran once each local night between
    /// the daemon's first start and the end: once on the night 2:30 does not exist, once on the night 1:30
    /// comes twice, whatever restarts and crashes came.
    func nightlyViolations(state: StateStore) throws -> (violations: [String], nights: Int) {
        guard let first = run.firstStart, let end = run.end else { return ([], 0) }
        var nights = 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Simulation.zone
        var violations: [String] = []
        // The runs start after 1:30 and 2:30 local and end after both: every night after the first day's counts.
        var day = calendar.startOfDay(for: first)
        while let next = calendar.date(byAdding: .day, value: 1, to: day), next <= end {
            day = next
            nights += 1
            let date = calendar.dateComponents([.year, .month, .day], from: day)
            let text = String(format: "%04d-%02d-%02d", date.year ?? 0, date.month ?? 0, date.day ?? 0)
            for hour in ["1h", "2h"] {
                let count = try state.kept.value(forKey: "\(hour) \(text)").flatMap { Int($0) } ?? 0
                if count != 1 { violations.append("the \(hour.prefix(1)):30 schedule ran \(count) times on the night of \(text)") }
                // At its time (2:30 on the spring night is the jump, 3:00), give or take what the studio's
                // clock stepped since the daemon last read it, and a restart's seconds.
                let springs = !Simulation.zone.isDaylightSavingTime(for: day) && Simulation.zone.isDaylightSavingTime(for: day.addingTimeInterval(12 * 3_600))
                let due = hour == "1h" ? 90 : springs ? 180 : 150
                let ranAt = try state.kept.value(forKey: "\(hour) \(text) at").flatMap { try? JSONDecoder().decode(String.self, from: Data($0.utf8)) }
                let minutes = ranAt.flatMap { text -> Int? in
                    let parts = text.split(separator: ":").compactMap { Int($0) }
                    return parts.count == 2 ? parts[0] * 60 + parts[1] : nil
                }
                if count > 0, minutes.map({ $0 < due - Self.scheduleSlack || $0 > due + Self.scheduleSlack }) ?? true {
                    violations.append(
                        "the \(hour.prefix(1)):30 schedule ran at \(ranAt ?? "?") on the night of \(text), not at \(String(format: "%d:%02d", due / 60, due % 60))")
                }
            }
        }
        return (violations, nights)
    }

    /// Each outreach round reached every conversation once, unless sends were paused when it ran.
    func outreachViolations(_ studio: [SandboxDatabase.MessageRecord]) -> [String] {
        var violations: [String] = []
        let conversations = Set(run.conversations)
        for round in run.outreachRounds {
            let notes = studio.filter { $0.content == round.note }
            var perConversation: [String: Int] = [:]
            for note in notes { perConversation[note.conversationID, default: 0] += 1 }
            for (conversation, count) in perConversation.sorted(by: { $0.key < $1.key }) where count > 1 {
                violations.append("outreach \(round.note) sent \(count) times in \(conversation) by two runs at once")
            }
            // Unless paused when the runs came (the flag as the runs read it, not times: a resume can come at the same instant).
            let missing = conversations.subtracting(perConversation.keys)
            if !round.paused && !round.capped && !missing.isEmpty {
                violations.append("outreach \(round.note) never reached \(missing.count) of \(conversations.count) conversations")
            }
        }
        return violations
    }

    /// Each conversation's messages in order, as (who, text): the history without ids or times.
    func history() throws -> [String] {
        var lines: [String] = []
        let index = Dictionary(uniqueKeysWithValues: run.conversations.enumerated().map { ($1, $0) })
        for message in try sandbox.database.allMessages() {
            lines.append("\(index[message.conversationID] ?? -1)|\(message.senderType)|\(message.content)")
        }
        // Conversations side by side interleave as the daemon's concurrent reads happen to; each one's order is the history.
        return lines.enumerated().sorted { ($0.element.split(separator: "|").first ?? "", $0.offset) < ($1.element.split(separator: "|").first ?? "", $1.offset) }
            .map(\.element)
    }

    static func hash(_ history: [String]) -> String {
        let digest = SHA256.hash(data: Data(history.joined(separator: "\n").utf8))
        return digest.map { String(format: "%02x", $0) }.joined().prefix(16).description
    }
}
