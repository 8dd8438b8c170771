import Foundation
import LuaKit
import PixiesetKit
import PXState

/// The studio's trouble, told from a script's own failure (docs/spec.md §6): the studio unreachable,
/// errors that kept coming, an answer cut short, a send whose outcome is not known yet. (An answer
/// that is not JSON or far too large is not: it would come again.)
/// A handler's try or a scheduled run that met it uses up nothing and is tried again with backoff;
/// it never parks a message: parking would leave a client unanswered for good for a fault that
/// passes (the seeded simulator found a message parked by three cut-short reads days apart).
enum StudioTrouble {
    /// Whether `error` (of a send or a read, or a px error the host raised for one) is the studio's trouble.
    static func caused(_ error: any Error) -> Bool {
        switch error {
        case let api as PixiesetError: isTrouble(api)
        case SendRefusal.inFlight: true
        case let lua as LuaError:
            switch PxErrorCode(hostRaised: lua) {
            case .badResponse?: lua.cause?.kind == BadResponseKind.cutShort
            case let code?: code.isStudioTrouble
            case nil: false
            }
        default: false
        }
    }

    /// Whether a conversation's failed read is the studio's passing trouble (an answer cut short or
    /// unreadable, errors that kept coming for it), not the conversation's lasting one (gone, refused,
    /// an id that is not one), nor the connection's or the login's (which end the poll).
    static func isPassing(_ error: PixiesetError) -> Bool {
        switch error {
        case .truncatedResponse, .keptFailing: true
        // An answer that is not JSON, far too large or of millions of values will come again: it is the
        // conversation's lasting trouble (parked, set aside), as a 404 is.
        case .malformedResponse, .api, .sessionExpired, .csrfRefused, .unreachable, .invalidID, .file, .sendPending, .invalidRequest: false
        }
    }

    /// Of a send or a read inside a run: the studio's trouble, or the script's (or the login's) own.
    private static func isTrouble(_ error: PixiesetError) -> Bool {
        switch error {
        case .unreachable, .keptFailing, .truncatedResponse, .sendPending: true
        case .malformedResponse, .api, .sessionExpired, .csrfRefused, .invalidID, .file, .invalidRequest: false
        }
    }

    /// Whether the try that makes `streak` tries in a row is one to tell of: the first, and once more
    /// when the trouble lasts (the fifth), not every try.
    static func isTold(streak: Int) -> Bool { streak == 1 || streak == 5 }

    /// Seconds before try `streak + 1` after `streak` tries in a row met the studio's trouble: 30 s doubled, at most `atMost`.
    static func wait(afterStreak streak: Int, atMost: Double) -> Double { min(atMost, 30 * pow(2, Double(min(max(streak, 1), 20) - 1))) }
}

extension PxErrorCode {
    /// A code the host raises only for the studio's trouble (`BAD_RESPONSE` is when its `kind` is
    /// `cut_short`: ask `StudioTrouble.caused`, which reads both).
    fileprivate var isStudioTrouble: Bool { [.unreachable, .unavailable, .sendPending, .sendInFlight].contains(self) }
}

/// The `kind` of a `BAD_RESPONSE` px error (docs/reference.md).
enum BadResponseKind {
    /// The answer ended early (a connection cut): the studio's passing trouble.
    static let cutShort = "cut_short"
    /// Not JSON, far too large, or nested too deep: it would come again.
    static let malformed = "malformed"
}
