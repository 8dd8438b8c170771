import Foundation
import PXState

/// What a pass of the watch loop came to: the report the daemon acts on, and
/// the outcome of each conversation it is summed from.
extension WatchLoop {
    /// What one cycle did.
    public struct Report: Sendable {
        /// What the poll found (nil for a pass between polls: `handleDue`).
        public var polled: Poller.Result?
        public var handled = 0, skipped = 0, failed = 0, parked = 0
        /// Of `handled`, those whose handlers sent a message (the rest chose not to reply).
        public var replied = 0
        /// Conversations held back by pause or the send cap.
        public var waiting = 0
        /// Of `waiting`, those held back by the send cap.
        public var capped = 0
        /// Conversations whose handler was parked in this pass: the client's name and the error's first line.
        public var parkedConversations: [String: (client: String, error: String)] = [:]
        /// Conversations whose events were all handled in this pass (a parked handler there works again).
        public var workingConversations: Set<String> = []
        /// Conversations whose burst of messages is not yet quiet for `debounce`.
        public var debouncing = 0
        public var schedules = PXRuntime.ScheduleReport()
        /// The earliest instant something is due before the next poll could
        /// find it: a schedule, a retry, the end of a debounce (nil: nothing).
        public var wake: Date?

        public init() {}

        /// Adds `other`'s counts (several scripts' passes summed).
        mutating func add(_ other: Report) {
            handled += other.handled
            skipped += other.skipped
            failed += other.failed
            parked += other.parked
            replied += other.replied
        }
    }

    /// What handling one conversation (or all of them) came to: counts by
    /// outcome, and when it next needs the loop.
    struct Outcome: Sendable {
        /// What became of a conversation's events in one pass (the `Report`'s counts).
        enum Kind: Hashable, Sendable {
            case done, replied, skipped, failed, parked, capped, paused, waiting, own, debouncing
        }

        var counts: [Kind: Int] = [:]
        var wake: Date?
        /// Conversations parked (their client and the error's first line), and those handled without failure.
        var parked: [String: (client: String, error: String)] = [:]
        var working: Set<String> = []

        mutating func count(_ kind: Kind) { counts[kind, default: 0] += 1 }
        mutating func wake(at date: Date) { wake = min(wake ?? date, date) }
        mutating func merge(_ other: Outcome) {
            counts.merge(other.counts, uniquingKeysWith: +)
            if let date = other.wake { wake(at: date) }
            parked.merge(other.parked) { a, _ in a }
            working.formUnion(other.working)
        }
    }
}
