import Foundation
import Logging

/// Everything one sandbox is started with; `sandbox serve` fills it from
/// flags, tests build it directly.
public struct SandboxConfiguration: Sendable {
    /// What data a new database starts with.
    public enum Seed: Sendable, Hashable, CustomStringConvertible {
        /// No data beyond the studios.
        case none
        /// The demo studio: ~15 clients, ~40 conversations over months.
        case demo
        /// N generated conversations, for benchmarks.
        case scale(Int)

        /// Parses `none`, `demo` or `scale:N`.
        public init(parsing text: String) throws {
            switch text {
            case "none": self = .none
            case "demo": self = .demo
            default:
                guard text.hasPrefix("scale:"), let count = Int(text.dropFirst(6)), (1...1_000_000).contains(count) else {
                    throw SandboxSetupError("--seed is demo, none or scale:N (N from 1 to 1000000), not '\(text.prefix(40))'")
                }
                self = .scale(count)
            }
        }

        public var description: String {
            switch self {
            case .none: "none"
            case .demo: "demo"
            case .scale(let n): "scale:\(n)"
            }
        }
    }

    /// Address to listen on; the sandbox is for loopback only.
    public var host = "127.0.0.1"
    /// Port to listen on; 0 picks a free one.
    public var port = 0
    /// The `Cookie` header value the API accepts.
    public var cookie = "session_cookie=sandbox"
    /// The SQLite file; `nil` makes a temporary one that is removed afterwards.
    public var databasePath: String?
    public var seed: Seed = .demo
    /// Seeds the ids of what is written while it runs (nil: random): the simulator's runs repeat.
    public var idSeed: UInt64?
    public var faults: FaultPlan = .none
    /// By default the profile named by `PXSCRIPT_SANDBOX_PROFILE` (`realistic`), so that
    /// `scripts/test` runs the same tests against it; none otherwise.
    public var quirks: Quirks = (try? Quirks.fromEnvironment(ProcessInfo.processInfo.environment)) ?? []
    public var clock: any SandboxClock = SystemClock()
    public var logger = Logger(label: "pxscript.sandbox")
    /// Log every request (method, path, status) at info level.
    public var logRequests = false

    public init() {
        logger.logLevel = .warning
    }
}
