import LuaKit
import PixiesetKit
import PXState

/// The `code` of a px error table (docs/spec.md §4): a small extensible set of
/// named values (as swift-service-lifecycle's `ServiceGroupError.Code`), so
/// the host compares codes by name, never strings in place.
public struct PxErrorCode: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public static let paused = PxErrorCode("PAUSED")
    public static let sendCap = PxErrorCode("SEND_CAP")
    public static let sessionExpired = PxErrorCode(SessionRefusal.expired)
    /// A send refused for its CSRF token while reads work (exit 78).
    public static let csrfRefused = PxErrorCode(SessionRefusal.csrf)
    public static let unreachable = PxErrorCode("UNREACHABLE")
    public static let unavailable = PxErrorCode("UNAVAILABLE")
    public static let sendPending = PxErrorCode("SEND_PENDING")
    public static let sendInFlight = PxErrorCode("SEND_IN_FLIGHT")
    public static let invalidID = PxErrorCode("INVALID_ID")
    public static let file = PxErrorCode("FILE")
    public static let badResponse = PxErrorCode("BAD_RESPONSE")
    public static let invalidRequest = PxErrorCode("INVALID_REQUEST")
    public static let state = PxErrorCode("STATE")
    /// This machine failed the state: locked past the busy timeout, a full or read-only disk, an I/O error.
    public static let localFault = PxErrorCode("LOCAL_FAULT")

    /// The code of a px error that reached the host: only a table the host
    /// itself raised counts (a script's look-alike `{ code = "SEND_CAP" }`,
    /// or a message ending in "(SEND_CAP)", is the script's own error).
    public init?(hostRaised error: LuaError) {
        guard let cause = error.cause, cause.raisedByHost, let code = cause.code else { return nil }
        self.init(code)
    }

    /// Codes that stop a run or a `px.map` instead of failing one item:
    /// nothing the script can do about them inside the run.
    var stopsTheRun: Bool { [.sendCap, .paused, .sessionExpired, .csrfRefused, .localFault].contains(self) }

    public init(_ refusal: SessionRefusal) { self.init(refusal.code) }

    /// The refusal of this login a code names (its cookie or its CSRF token): no handler's
    /// fault, so a handler failing with one uses up none of its tries (docs/spec.md §6).
    public var refusal: SessionRefusal? { SessionRefusal(code: rawValue) }
}
