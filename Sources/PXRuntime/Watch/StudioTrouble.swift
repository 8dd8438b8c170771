import Foundation
import LuaKit
import PixiesetKit
import PXState
import Synchronization

/// Tries that met the studio's trouble rather than a fault of the handler (docs/spec.md §6): the
/// studio unreachable, errors that kept coming, an answer cut short or unreadable, a send whose
/// outcome is not known yet. Such a try uses up none of the handler's tries and never parks the
/// message: parking would leave a client unanswered for good for a fault that passes (the seeded
/// simulator found a message parked by three cut-short reads days apart). The message waits,
/// longer each time in a row (at most 5 minutes), until the studio answers.
final class StudioTrouble: Sendable {
    /// Tries in a row that met trouble, by conversation (this daemon's memory: a restart starts over).
    private let streaks = Mutex<[String: Int]>([:])

    /// One more try in a row met trouble in `conversationID`; how many now.
    func met(in conversationID: String) -> Int {
        streaks.withLock { streaks in
            let count = (streaks[conversationID] ?? 0) + 1
            streaks[conversationID] = count
            return count
        }
    }

    /// The studio answered for `conversationID` (the try may still fail for its own reasons).
    func passed(in conversationID: String) { _ = streaks.withLock { $0.removeValue(forKey: conversationID) } }

    /// Whether `error` (of a send or a read, or a px error the host raised for one) is the studio's trouble.
    static func caused(_ error: any Error) -> Bool {
        switch error {
        case let api as PixiesetError:
            switch api {
            case .unreachable, .keptFailing, .malformedResponse, .truncatedResponse, .sendPending: true
            default: false
            }
        case SendRefusal.inFlight: true
        case let lua as LuaError: PxErrorCode(hostRaised: lua)?.isStudioTrouble ?? false
        default: false
        }
    }

    /// Seconds before try `streak + 1` after `streak` tries in a row met the studio's trouble: 30 s doubled, at most 5 minutes.
    static func wait(afterStreak streak: Int) -> Double { min(300, 30 * pow(2, Double(max(streak, 1) - 1))) }

    /// Whether a conversation's failed read is the studio's passing trouble (an answer cut short or
    /// unreadable), not the conversation's lasting one (gone, refused, an id that is not one).
    static func isPassing(_ error: PixiesetError) -> Bool {
        switch error {
        case .malformedResponse, .truncatedResponse: true
        default: false
        }
    }
}

extension PxErrorCode {
    /// A handler error the host raised for the studio's trouble (see `StudioTrouble`): not the handler's fault.
    var isStudioTrouble: Bool { [.unreachable, .unavailable, .sendPending, .sendInFlight, .badResponse].contains(self) }
}
