import Foundation
import GRDB

/// A fault of this machine rather than of the studio or the script (issue
/// 33): the state held locked by another process past the busy timeout,
/// the disk full, the state's folder made read-only, an I/O error. Like an
/// unreachable studio, it passes: `watch` logs it once, notifies once,
/// keeps its other scripts, dashboard and courier running and tries again
/// with backoff; `run` stops with exit 74 (`EX_IOERR`). Decisions read this
/// value, never an error's text.
public struct LocalFault: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Another process holds the state locked (SQLITE_BUSY, SQLITE_LOCKED past the timeout).
        case busy
        /// No space left (SQLITE_FULL, ENOSPC, EDQUOT).
        case full
        /// The state or its folder can no longer be written (SQLITE_READONLY, EROFS, EACCES, EPERM).
        case readOnly = "read-only"
        /// The disk failed a read or a write (SQLITE_IOERR, SQLITE_CANTOPEN, EIO).
        case io

        /// What the photographer reads, and what to do about it.
        public var explanation: String {
            switch self {
            case .busy: "another program holds the state locked (a backup, a sync tool, a long `sqlite3` session?)"
            case .full: "the disk is full; free some space"
            case .readOnly: "the state can no longer be written (a read-only disk, or its permissions changed)"
            case .io: "the disk reported an input/output error"
            }
        }
    }

    public let kind: Kind
    /// The file it concerns, when known.
    public let path: String?
    /// The underlying error's own words (SQLite's or the system's), for the log.
    public let detail: String

    public init(_ kind: Kind, path: String?, detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }

    public var description: String {
        "\(path.map { "\($0): " } ?? "")\(kind.explanation) (\(detail))"
    }

    /// The local fault `error` is, or carries; nil for any other error.
    public init?(_ error: any Error) {
        switch error {
        case let fault as LocalFault:
            self = fault
        case let state as StateError:
            guard let fault = state.fault else { return nil }
            self = fault
        case let carrier as any CarriesLocalFault:
            // The fault as a layer above carries it (a run's error, a script's px error).
            guard let fault = carrier.localFault else { return nil }
            self = fault
        case let database as DatabaseError:
            guard let kind = Self.kind(of: database.resultCode) else { return nil }
            self.init(kind, path: nil, detail: database.message ?? "\(database.resultCode)")
        case let posix as POSIXError:
            guard let kind = Self.kind(errno: posix.code.rawValue) else { return nil }
            self.init(kind, path: nil, detail: String(cString: strerror(posix.code.rawValue)))
        case let cocoa as CocoaError:
            guard let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
                  let kind = Self.kind(errno: Int32(underlying.code))
            else { return nil }
            self.init(kind, path: cocoa.filePath, detail: String(cString: strerror(Int32(underlying.code))))
        default:
            return nil
        }
    }

    /// The fault a failed system call left in `errno`, nil when it is not one.
    public static func fromErrno(_ code: Int32, path: String) -> LocalFault? {
        kind(errno: code).map { LocalFault($0, path: path, detail: String(cString: strerror(code))) }
    }

    package static func kind(of code: ResultCode) -> Kind? {
        switch code {
        case .SQLITE_BUSY, .SQLITE_LOCKED: .busy
        case .SQLITE_FULL: .full
        case .SQLITE_READONLY: .readOnly
        case .SQLITE_IOERR, .SQLITE_CANTOPEN: .io
        default: nil
        }
    }

    package static func kind(errno code: Int32) -> Kind? {
        switch code {
        case ENOSPC, EDQUOT: .full
        case EROFS, EACCES, EPERM: .readOnly
        case EIO: .io
        default: nil
        }
    }
}

/// An error of a layer above the state that may be a local fault (a run's error, the px error a
/// script passed on): `LocalFault(error)` reads it from any of them.
public protocol CarriesLocalFault: Error {
    var localFault: LocalFault? { get }
}
