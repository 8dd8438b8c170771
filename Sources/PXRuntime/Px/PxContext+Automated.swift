import Foundation
import LuaKit
import PixiesetModels

extension PxContext {
    /// Whether `message` is a studio message pxscript sent (SPEC §4 "Automated vs personal").
    func isAutomated(_ message: Message) -> Bool {
        guard message.senderType != .client, message.senderType != .system else { return false }
        return !automated.automated(among: [message.id]).isEmpty
    }

    /// The automated ones among `messages`' ids.
    func automatedIDs(in messages: [Message]) -> Set<String> {
        let studio = messages.filter { $0.senderType != .client && $0.senderType != .system }.map(\.id)
        return automated.automated(among: studio)
    }

    /// `value` with `automated = true|false` on every message table in it
    /// (a conversation's `messages`, a list's latest messages, an event's).
    func markingAutomated(_ value: LuaValue) -> LuaValue {
        var studio: [String] = []
        var messages = 0
        Self.collectStudioMessageIDs(value, into: &studio, messages: &messages, depth: 0)
        // A table without messages (a conversation listed without them: a bulk run's thousand) is left as it is.
        guard messages > 0 else { return value }
        return Self.mark(value, automated: studio.isEmpty ? [] : automated.automated(among: studio), depth: 0)
    }

    /// `value` with `automated` on every message table, from a set already looked up.
    func marking(_ value: LuaValue, automated: Set<String>) -> LuaValue { Self.mark(value, automated: automated, depth: 0) }

    /// Who wrote a message, in the words the docs use (issue 27): `client`, `system` (the studio's
    /// own notes: "Invoice … was paid"), or `studio` (the photographer, pxscript, any other
    /// sender the API may name); the raw `sender_type` stays beside it.
    static func from(_ senderType: LuaValue?) -> String {
        guard case .string(let bytes)? = senderType else { return "studio" }
        switch String(decoding: bytes, as: UTF8.self) {
        case "client": return "client"
        case "system": return "system"
        default: return "studio"
        }
    }

    /// A map with `sender_type` and `id` is a message.
    private static func messageID(_ fields: [LuaValue: LuaValue]) -> (id: String, studio: Bool)? {
        guard case .string(let type)? = fields[.text("sender_type")], case .string(let id)? = fields[.text("id")] else { return nil }
        let kind = String(decoding: type, as: UTF8.self)
        return (String(decoding: id, as: UTF8.self), kind != "client" && kind != "system")
    }

    private static func collectStudioMessageIDs(_ value: LuaValue, into ids: inout [String], messages: inout Int, depth: Int) {
        guard depth < 6 else { return }
        switch value {
        case .map(let fields):
            if let message = messageID(fields) {
                messages += 1
                if message.studio { ids.append(message.id) }
                return
            }
            for item in fields.values { collectStudioMessageIDs(item, into: &ids, messages: &messages, depth: depth + 1) }
        case .array(let items):
            for item in items { collectStudioMessageIDs(item, into: &ids, messages: &messages, depth: depth + 1) }
        default:
            break
        }
    }

    private static func mark(_ value: LuaValue, automated: Set<String>, depth: Int) -> LuaValue {
        guard depth < 6 else { return value }
        switch value {
        case .map(var fields):
            if let message = messageID(fields) {
                fields[.text("automated")] = .boolean(message.studio && automated.contains(message.id))
                fields[.text("from")] = .text(Self.from(fields[.text("sender_type")]))
                return .map(fields)
            }
            for (key, item) in fields { fields[key] = mark(item, automated: automated, depth: depth + 1) }
            return .map(fields)
        case .array(let items):
            return .array(items.map { mark($0, automated: automated, depth: depth + 1) })
        default:
            return value
        }
    }
}
