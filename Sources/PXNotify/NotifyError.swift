/// Why a delivery failed, in words that never hold the target's URL.
public enum NotifyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The webhook answered this HTTP status.
    case status(Int)
    /// No answer: refused, unreachable, or a TLS failure.
    case unreachable(String)
    /// No answer within the time allowed.
    case timedOut(seconds: Int)
    /// The command could not be started.
    case cannotStart(String)
    /// The command ended with this status (its first line of error output after it).
    case commandFailed(status: Int32, output: String)

    /// Whether trying again later may work: a refusal like 400 or 404 will not change by itself.
    public var isTransient: Bool {
        switch self {
        case .status(let code): return code == 408 || code == 425 || code == 429 || code >= 500
        case .unreachable, .timedOut, .commandFailed: return true
        case .cannotStart: return false
        }
    }

    public var description: String {
        switch self {
        case .status(let code): return "answered HTTP \(code)"
        case .unreachable(let why): return "unreachable (\(why))"
        case .timedOut(let seconds): return "no answer within \(seconds) s"
        case .cannotStart(let why): return "cannot be started (\(why))"
        case .commandFailed(let status, let output): return "ended with status \(status)\(output.isEmpty ? "" : ": \(output)")"
        }
    }
}
