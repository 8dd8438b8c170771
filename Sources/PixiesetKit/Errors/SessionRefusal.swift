/// How the studio refused this login, the one form it takes from the client
/// to the exit status and the notice (docs/spec.md §5, §6): the session is
/// over, or a write's CSRF token was refused while reads work.
public enum SessionRefusal: String, Sendable, Hashable, CaseIterable {
    /// 401, 419 on a read, a login page: log in again (exit 77).
    case expired
    /// A write refused for its token while a read works (exit 78, decision 0011).
    case csrf

    /// The refusal an error carries, whatever layer raised it.
    public init?(_ error: any Error) {
        guard let refusal = (error as? any CarriesSessionRefusal)?.sessionRefusal else { return nil }
        self = refusal
    }

    /// The `code` of the px error table a script sees.
    public var code: String {
        switch self {
        case .expired: "SESSION_EXPIRED"
        case .csrf: "CSRF_REFUSED"
        }
    }

    /// The `status` of that table.
    public var status: Int {
        switch self {
        case .expired: 401
        case .csrf: 419
        }
    }

    /// The process's exit status (sysexits: 77 is "permission denied").
    public var exitStatus: Int32 {
        switch self {
        case .expired: 77
        case .csrf: 78
        }
    }

    /// The name of its notification, cleared once sends work again.
    public var noticeName: String {
        switch self {
        case .expired: "session"
        case .csrf: "csrf"
        }
    }

    public init?(code: String) {
        guard let refusal = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = refusal
    }

    public init?(noticeName: String) {
        guard let refusal = Self.allCases.first(where: { $0.noticeName == noticeName }) else { return nil }
        self = refusal
    }
}

/// An error that may be a session refusal, at any layer.
public protocol CarriesSessionRefusal: Error {
    var sessionRefusal: SessionRefusal? { get }
}

extension PixiesetError: CarriesSessionRefusal {
    public var sessionRefusal: SessionRefusal? {
        switch self {
        case .sessionExpired: .expired
        case .csrfRefused: .csrf
        case .api, .unreachable, .keptFailing, .malformedResponse, .truncatedResponse, .invalidID, .file, .sendPending, .invalidRequest: nil
        }
    }
}
