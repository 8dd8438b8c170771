import PixiesetKit
import PXState

/// A failure of a run that is not the script's own error, with the exit
/// code family docs/spec.md §5 gives it (the executable maps kinds to numbers).
public enum RuntimeError: Error, Sendable, CustomStringConvertible {
    /// Bad options or environment (64).
    case usage(String)
    /// The script does not compile (65): `file:line: message`.
    case compile(String)
    /// A named file is missing (66).
    case missingFile(String)
    /// The script raised an error (1): message and traceback.
    case script(message: String, traceback: String)
    /// The API is unreachable or keeps failing, or a send stayed pending (69).
    case unavailable(String)
    /// Stopped at the send cap (75).
    case sendCap(String)
    /// The studio refused this login: the session is over (77), or a send's CSRF token (78).
    case refused(SessionRefusal, String)
    /// The state file cannot be used (1).
    case state(String)
    /// This machine failed the state: a lock held past the timeout, a full or read-only disk, an I/O error (74).
    case localFault(String, kind: LocalFault.Kind)

    public var description: String {
        switch self {
        case .usage(let text), .compile(let text), .missingFile(let text), .unavailable(let text), .sendCap(let text),
            .refused(_, let text), .state(let text), .localFault(let text, _):
            text
        case .script(let message, let traceback): traceback.isEmpty ? message : message + "\n" + traceback
        }
    }
}

extension RuntimeError: CarriesSessionRefusal {
    public var sessionRefusal: SessionRefusal? {
        if case .refused(let refusal, _) = self { return refusal }
        return nil
    }
}
