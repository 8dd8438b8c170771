import Foundation
import LuaKit
import PixiesetModels
import PXState

extension PxContext {
    /// Whether `message` is a studio message pxscript sent (`OwnMessages`).
    func isAutomated(_ message: Message) -> Bool { !own.automated(among: [message]).isEmpty }

    /// The automated ones among `messages`' ids (`OwnMessages`).
    func automatedIDs(in messages: [Message]) -> Set<String> { own.automated(among: messages) }

    /// `value` as a script gets it: encoded straight into Lua tables when
    /// pushed (a large page costs no tree beside them), with
    /// `automated` and `from` on every message in it. `messages` are all of
    /// them, looked up once.
    func forScript(_ value: some Encodable & Sendable, messages: [Message]) -> LuaValue {
        // A value without messages (a conversation listed without them: a bulk run's thousand) gets no marks.
        guard !messages.isEmpty else { return .encoded(LuaEncoded(value)) }
        return .encoded(LuaEncoded(value, adding: Self.marks(automated: automatedIDs(in: messages))))
    }

    /// The fields every message table gets, from a set already looked up.
    static func marks(automated: Set<String>) -> LuaEncoded.Adding {
        { value in
            guard let message = value as? Message else { return nil }
            return [("automated", .boolean(message.senderType.isStudio && automated.contains(message.id))), ("from", .text(from(message.senderType)))]
        }
    }

    /// Who wrote a message, in the words the docs use: `client`, `system` (the studio's
    /// own notes: "Invoice … was paid"), or `studio` (the photographer, pxscript, any other
    /// sender the API may name); the raw `sender_type` stays beside it.
    static func from(_ senderType: SenderType) -> String {
        switch senderType {
        case .client: "client"
        case .system: "system"
        default: "studio"
        }
    }
}
