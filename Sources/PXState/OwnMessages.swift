import Foundation
import PixiesetKit
import PixiesetModels

/// Which messages pxscript itself sent, decided here and nowhere else (docs/spec.md §4
/// "Automated vs personal", §6's loop guard): by identity, from the record of every
/// message sent on this machine (`AutomatedMessages`) and this state's outbox; for the
/// loop guard also by text, for an API that rewrites ids.
package struct OwnMessages: Sendable {
    let record: AutomatedMessages
    /// The state whose outbox and recent sends count too; nil reads the record alone (a replay, which opens no state).
    let store: StateStore?

    package init(record: AutomatedMessages, store: StateStore?) {
        self.record = record
        self.store = store
    }

    /// The studio's messages among `messages` that pxscript sent (`automated = true` on a message):
    /// a client's or a system note never is.
    package func automated(among messages: [Message]) -> Set<String> {
        record.automated(among: messages.filter(\.senderType.isStudio).map(\.id))
    }

    /// The ids among `ids` that pxscript sent, by identity alone (what a replay leaves out).
    package func sent(ids: [String]) -> Set<String> { record.automated(among: ids) }

    /// The loop guard: which of `messages` pxscript sent, whatever their `sender_type` says (an API
    /// may label them the client's): an id in the record or the outbox, or the text of a send to
    /// that conversation within the day before `now`.
    package func sent(among messages: [Message], in conversationID: String, now: Date) throws -> Set<String> {
        guard !messages.isEmpty else { return [] }
        var own = record.automated(among: messages.map(\.id))
        guard let store else { return own }
        own.formUnion(try store.sends.matchedMessageIDs(in: conversationID).intersection(messages.map(\.id)))
        let rest = messages.filter { !own.contains($0.id) }
        guard !rest.isEmpty else { return own }
        let texts = try store.sends.recentSendTexts(in: conversationID, since: now.addingTimeInterval(-86_400))
        guard !texts.isEmpty else { return own }
        for message in rest where texts.contains(SendIntent.normalise(message.content)) { own.insert(message.id) }
        return own
    }
}
