import Foundation
import PixiesetKit
import PXState
import Synchronization

/// One run of a handler for one event: what its px calls need to know
/// (docs/spec.md §4): sends keyed by (event, ordinal), `event:reply` once, and
/// `px.store`/`px.once` effects held until the run completes.
///
/// The run a px call serves is a task-local value (`current`): set around
/// the handler's call, so every host call the handler makes, across its
/// waits, finds its own run however many runs share the Lua state.
final class HandlerRun: Sendable {
    /// The handler run the current task serves (nil at a script's top level).
    @TaskLocal static var current: HandlerRun?
    /// True in a `px.map` item: the items of one run interleave, so their
    /// sends are keyed by their content within the run, not by an ordinal.
    @TaskLocal static var inMapItem = false

    /// What this run's sends came to: a schedule's run whose sends failed is a failed run.
    let tally = SendTallies()

    let eventID: String
    let conversationID: String
    /// Names this run in the state's key holds (decision 0010): unique per
    /// run, across reloads and processes.
    let holder = UUID().uuidString

    private struct State {
        var sends = 0
        /// A scheduled run's sends so far, by conversation (`nextSendKey`).
        var sendsTo: [String: Int] = [:]
        var replied = false
        var stored: [String: String?] = [:]
        var once: [String: (first: Double, until: Double)] = [:]
    }

    private let state = Mutex(State())

    /// A retried event's earlier sends, by their normalised text (nil: not a retried event).
    private let priorSends: [String: String]?

    /// - Parameter priorSends: for an event `pxscript retry` queued again, the keys its earlier tries
    ///   sent under, by text: the edited script's sends are matched by text, not by order.
    /// The messages a handler's run answers (its burst): a reply asked for approval is withdrawn if
    /// the conversation moved on after the last of them, also before the request was made.
    let answering: Set<String>

    init(eventID: String, conversationID: String, answering: Set<String> = [], priorSends: [(key: String, content: String)]? = nil) {
        self.eventID = eventID
        self.conversationID = conversationID
        self.answering = answering
        self.priorSends = priorSends.map { Dictionary($0.map { ($0.content, $0.key) }, uniquingKeysWith: { first, _ in first }) }
        KeyHolders.started(holder)
    }

    // However the run ended, its holds stop holding in this process (a release may not have been written).
    deinit { KeyHolders.ended(holder) }

    /// The key of the handler's next send, to `conversationID`: the same in every retry of this event.
    /// A scheduled run (no conversation of its own) counts per conversation: tried again, it may meet
    /// the conversations in another order (its own sends reorder the list), and an ordinal over the
    /// whole run would then name another client's send (the keys are kept per conversation).
    func nextSendKey(to conversationID: String) -> String {
        state.withLock {
            $0.sends += 1
            guard self.conversationID.isEmpty else { return "e:\(eventID):\($0.sends)" }
            let ordinal = ($0.sendsTo[conversationID] ?? 0) + 1
            $0.sendsTo[conversationID] = ordinal
            return "e:\(eventID):\(ordinal)"
        }
    }

    /// The key of a send from a `px.map` item of this run: the event and the
    /// send's content (its conversation is kept beside the key), the same in
    /// every retry however the items interleave or the list is ordered.
    func itemSendKey(_ request: SendRequest) -> String { textKey(request, tag: "m") }

    /// `e:EVENT:` then `tag` and the hash of the send's text and attachments (`PxContext.derivedKey`).
    private func textKey(_ request: SendRequest, tag: String) -> String {
        "e:\(eventID):\(tag)" + PxContext.derivedKey(request).dropFirst(2)
    }

    /// The key of this run's next send, wherever the script asked for it.
    func sendKey(_ request: SendRequest) -> String {
        if Self.inMapItem { return itemSendKey(request) }
        let ordinal = nextSendKey(to: request.conversationID)
        // A retried event (the script was edited: sends may have moved): a text sent before is
        // that send again (skipped); an order its first tries used for another text is not this one.
        guard let priorSends else { return ordinal }
        if let key = priorSends[SendIntent.normalise(request.content)] { return key }
        return priorSends.values.contains(ordinal) ? textKey(request, tag: "t") : ordinal
    }

    /// The sends this run asked for (each keyed by `nextSendKey`).
    var sendCount: Int { state.withLock { $0.sends } }

    /// False when `event:reply` was already called in this run.
    func takeReply() -> Bool {
        state.withLock { state in
            defer { state.replied = true }
            return !state.replied
        }
    }

    /// A `px.store.set` of this run (nil: removal), applied on completion.
    func store(_ json: String?, forKey key: String) { state.withLock { $0.stored[key] = .some(json) } }

    /// What this run set for `key`: `.some(value)` when it did, `nil` when the store decides.
    func stored(forKey key: String) -> String?? { state.withLock { $0.stored[key] } }

    /// A `px.once` this run took (applied on completion); false if it already took it.
    func takeOnce(_ key: String, now: Double, period: Double) -> Bool {
        state.withLock {
            if let taken = $0.once[key], now < taken.until { return false }
            $0.once[key] = (now, now + period)
            return true
        }
    }

    /// The effects to commit with the event's completion.
    var effects: HandlerEffects {
        state.withLock { ($0.stored, $0.once) }
    }
}
