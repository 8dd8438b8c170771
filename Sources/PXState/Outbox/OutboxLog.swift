import Foundation
import PixiesetKit
import PixiesetModels

/// One change to the outbox, as the holder of the send lease records it
/// before folding it into the state file.
package enum OutboxRecord: Sendable {
    /// A send about to be made (its row id chosen by the holder).
    case intent(OutboxEntry)
    /// The studio has the message.
    case sent(id: Int64, conversationID: String, key: String, messageID: String, messageJSON: String, at: Date, reconciled: Bool)
    /// The send surely did not happen: its row goes, with its place under the cap.
    case abandoned(id: Int64, conversationID: String, day: String, reason: String, at: Date)
}

/// The send lease holder's log (`<state>-outbox`): each intent is appended
/// with one `write(2)` before its request leaves (with the outcomes recorded
/// since, `appendSoon`), as durable against a killed process as SQLite's own
/// WAL at `synchronous = NORMAL`, for a fraction of a commit. The records
/// are folded into the state file in batches; the next holder replays what
/// a dead one left (`Outbox.replay`).
///
/// A line of JSON per record. The first line names the log's generation;
/// each fold stores "generation offset" in the state file in its own
/// transaction, so a replay skips what was folded before a crash.
///
/// `@unchecked Sendable`: it is only used under the `Outbox`'s lock.
package final class OutboxLog: @unchecked Sendable {
    package let path: String
    package let generation: String
    /// Bytes written so far: the offset a fold of everything appended records.
    private(set) var end: Int
    private var descriptor: Int32

    /// A fresh, empty log (any earlier one at `path` is replaced).
    package init(path: String) throws {
        self.path = path
        generation = UUID().uuidString
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            throw StateError.cannotWrite(path: path, what: "create the outbox log", errno: code)
        }
        end = 0
        var header = JSONWriter(capacity: 64)
        header.beginObject()
        header.key("generation")
        header.string(generation)
        header.endObject()
        try write(header.bytes + [UInt8(ascii: "\n")])
    }

    /// Outcomes waiting to be written with the next intent (`appendSoon`).
    private var waiting: [UInt8] = []

    /// Appends `record` (an intent) with the outcomes waiting; once this
    /// returns, a killed process leaves them behind for the next holder.
    package func append(_ record: OutboxRecord) throws {
        var bytes = waiting
        bytes.append(contentsOf: Self.line(record))
        bytes.append(UInt8(ascii: "\n"))
        try write(bytes)
        waiting = []
    }

    /// Appends `record` (an outcome) with the next intent's write, or the
    /// next `sync`, whichever comes first: one `write(2)` per send instead
    /// of two. An outcome lost with a killed process leaves its send
    /// pending, and a pending send is looked for in its conversation before
    /// the next run (docs/spec.md §6), so it is never sent twice.
    package func appendSoon(_ record: OutboxRecord) {
        waiting.append(contentsOf: Self.line(record))
        waiting.append(UInt8(ascii: "\n"))
    }

    /// Writes the outcomes waiting (before a fold records how far the log is folded).
    package func sync() throws {
        guard !waiting.isEmpty else { return }
        try write(waiting)
        waiting = []
    }

    /// Closes the log and removes it: everything in it is in the state file.
    package func discard() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(path)
    }

    /// Closes the log and leaves it for the next holder to replay (its records could not be folded).
    package func abandon() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { abandon() }

    /// Writes whole lines (each ends in a newline).
    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let wrote = Foundation.write(descriptor, buffer.baseAddress! + done, buffer.count - done)
                if wrote < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    // A line written in part (the disk filled up halfway) is cut off again, so the log
                    // stays whole lines and the next write, once there is room, starts a line of its own.
                    if done > 0 { _ = ftruncate(descriptor, off_t(end)) }
                    throw StateError.cannotWrite(path: path, what: "write the outbox log", errno: code)
                }
                done += wrote
            }
        }
        end += bytes.count
    }

    package static func line(_ record: OutboxRecord) -> [UInt8] {
        var json = JSONWriter(capacity: 256)
        json.beginObject()
        switch record {
        case .intent(let entry):
            json.key("op"); json.string("intent")
            json.key("id"); json.int(Int(entry.id))
            json.key("conversation_id"); json.string(entry.intent.conversationID)
            json.key("key"); json.string(entry.key)
            json.key("explicit"); json.int(entry.explicitKey ? 1 : 0)
            json.key("content"); json.string(entry.intent.content)
            json.key("attachment_ids"); entry.intent.attachmentIDs.write(to: &json)
            json.key("attachment_names"); entry.intent.attachmentNames.write(to: &json)
            json.key("at"); json.int(microseconds(entry.attemptedAt))
            json.key("day"); json.string(entry.day)
        case .sent(let id, let conversationID, let key, let messageID, let messageJSON, let at, let reconciled):
            json.key("op"); json.string("sent")
            json.key("id"); json.int(Int(id))
            json.key("conversation_id"); json.string(conversationID)
            json.key("key"); json.string(key)
            json.key("message_id"); json.string(messageID)
            json.key("message"); json.string(messageJSON)
            json.key("at"); json.int(microseconds(at))
            json.key("reconciled"); json.int(reconciled ? 1 : 0)
        case .abandoned(let id, let conversationID, let day, let reason, let at):
            json.key("op"); json.string("abandoned")
            json.key("id"); json.int(Int(id))
            json.key("conversation_id"); json.string(conversationID)
            json.key("day"); json.string(day)
            json.key("reason"); json.string(reason)
            json.key("at"); json.int(microseconds(at))
        }
        json.endObject()
        return json.bytes
    }

    private static func microseconds(_ date: Date) -> Int { Int(saturating: (date.timeIntervalSince1970 * 1_000_000).rounded()) }

    /// What a log left at `path` holds: its generation and each whole
    /// record with the offset just past it; nil when there is none. A last
    /// line cut short by a crash is ignored: its change never took effect
    /// (an intent is written before its request). Any other line that
    /// cannot be read is an error, and the log is left as it is.
    package static func leftover(at path: String) throws -> (generation: String, records: [(end: Int, record: OutboxRecord)])? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        // There but unreadable (an I/O error): never taken for "no log", which the next holder would truncate.
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StateError.unreadable(
                path: path, reason: "the outbox log \(path) cannot be read; it was left as it is",
                fault: LocalFault(.io, path: path, detail: "the log could not be read"))
        }
        if data.isEmpty { return nil }
        let bytes = [UInt8](data)
        var lines: [(end: Int, text: ArraySlice<UInt8>)] = []
        var start = 0
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            lines.append((newline + 1, bytes[start..<newline]))
            start = newline + 1
        }
        guard let header = lines.first, let generation = try? JSONDecoder().decode(Header.self, from: Data(header.text)).generation else {
            // Cut short before its header was whole: nothing was recorded in it.
            if lines.isEmpty { return nil }
            throw StateError.unreadable(path: path, reason: "the outbox log \(path) cannot be read (no header); it was left as it is", fault: nil)
        }
        var records: [(end: Int, record: OutboxRecord)] = []
        for line in lines.dropFirst() {
            guard let record = try? JSONDecoder().decode(Line.self, from: Data(line.text)).record else {
                throw StateError.unreadable(
                    path: path, reason: "the outbox log \(path) has a line that cannot be read at byte \(line.end - line.text.count - 1); it was left as it is",
                    fault: nil)
            }
            records.append((line.end, record))
        }
        return (generation, records)
    }

    private struct Header: Decodable { let generation: String }

    private struct Line: Decodable {
        package let op: String
        package let id: Int64
        package let conversation_id: String
        package let key: String?
        package let explicit: Int?
        package let content: String?
        package let attachment_ids: [String]?
        package let attachment_names: [String]?
        package let at: Int64
        package let day: String?
        package let message_id: String?
        package let message: String?
        package let reconciled: Int?
        package let reason: String?

        package var record: OutboxRecord? {
            let date = Date(timeIntervalSince1970: Double(at) / 1_000_000)
            switch op {
            case "intent":
                guard let key, let explicit, let content, let day else { return nil }
                let intent = SendIntent(
                    conversationID: conversation_id, content: content, attachmentIDs: attachment_ids ?? [], attachmentNames: attachment_names ?? [])
                return .intent(OutboxEntry(id: id, intent: intent, key: key, explicitKey: explicit != 0, attemptedAt: date, day: day))
            case "sent":
                guard let key, let message_id, let message else { return nil }
                return .sent(
                    id: id, conversationID: conversation_id, key: key, messageID: message_id, messageJSON: message, at: date,
                    reconciled: (reconciled ?? 0) != 0)
            case "abandoned":
                guard let day, let reason else { return nil }
                return .abandoned(id: id, conversationID: conversation_id, day: day, reason: reason, at: date)
            default:
                return nil
            }
        }
    }
}
