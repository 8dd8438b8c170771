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
        for message in run.written where answered[message.content] == nil {
            violations.append("\"\(message.content)\" (written \(ISO8601DateFormatter().string(from: message.at))) never answered, hours after the faults stopped")
        }
        let history = try history()
        let state = try StateStore(path: run.statePath)
        defer { try? state.close() }
        return SimulationResult(
            seed: seed, violations: violations, historyHash: Self.hash(history), history: history, trace: run.trace, clientMessages: run.written.count,
            replies: replies.count, parked: try state.ledger.parkedCount(), restarts: run.restarts, crashes: run.crashes, quirks: quirks)
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
            if !round.paused && !missing.isEmpty {
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
