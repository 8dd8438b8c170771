import PixiesetModels

/// Misbehaviour on purpose (docs/spec.md §7), parsed from `--faults`, e.g.
/// `error=0.2,throttle=0.1,error_after_commit=0.05,latency=20ms,seed=7`.
///
/// Each API call draws from a generator seeded with `seed`, so the same
/// sequence of calls meets the same faults on every run.
public struct FaultPlan: Sendable, Hashable, CustomStringConvertible {
    /// How an expired session shows itself.
    public enum Expiry: String, Sendable, Hashable {
        /// Every call answers 200 with an HTML login page.
        case loginPage = "page"
        /// Every call answers 302 to `/login`.
        case redirect
    }

    /// Probability of 503 with a JSON body.
    public var error: Double = 0
    /// Probability of 429 with `Retry-After`.
    public var throttle: Double = 0
    /// Probability that a send is stored and then answered with 502.
    public var errorAfterCommit: Double = 0
    /// Probability that a successful answer arrives cut short (the first
    /// half of its body, status 200): the call's work is done (a send is
    /// stored), but the client cannot read what came back.
    public var garbled: Double = 0
    /// Added before every API answer.
    public var latency: Duration = .zero
    /// Probability that a conversation's answer (`GET /conversations/{id}/`) is slow:
    /// `slow_latency` (default 5 s) more (a poll's detail reads must not wait for each other behind one).
    public var slow: Double = 0
    public var slowLatency: Duration = .seconds(5)
    /// Every call answers as if the session had expired.
    public var expire: Expiry?
    /// Seconds sent in `Retry-After` with a 429.
    public var retryAfter: Int = 1
    /// Seed of the fault draws.
    public var seed: UInt64 = 1

    public static let none = FaultPlan()

    public init() {}

    /// Parses a `--faults` value.
    /// - Throws: `SandboxSetupError` naming the part that is wrong.
    public init(parsing spec: String) throws {
        for part in spec.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingWhitespace }
            let name = pieces[0], value = pieces.count > 1 ? pieces[1] : nil
            switch name {
            case "error": error = try Self.probability(name, value)
            case "throttle": throttle = try Self.probability(name, value)
            case "error_after_commit": errorAfterCommit = try Self.probability(name, value)
            case "garbled": garbled = try Self.probability(name, value)
            case "latency": latency = try Self.duration(name, value)
            case "slow": slow = try Self.probability(name, value)
            case "slow_latency": slowLatency = try Self.duration(name, value)
            case "retry_after":
                guard let value, let seconds = Int(value), (0...3600).contains(seconds) else {
                    throw SandboxSetupError("--faults: retry_after wants whole seconds from 0 to 3600")
                }
                retryAfter = seconds
            case "seed":
                guard let value, let seed = UInt64(value) else { throw SandboxSetupError("--faults: seed wants a whole number") }
                self.seed = seed
            case "expire":
                let mode = ["1", "true", nil].contains(value) ? Expiry.loginPage : value.flatMap(Expiry.init(rawValue:))
                guard let mode else {
                    throw SandboxSetupError("--faults: expire is `expire` (login page) or `expire=redirect`")
                }
                expire = mode
            case "": continue
            default:
                throw SandboxSetupError(
                    "--faults: unknown fault '\(name.prefix(40))' (known: error, throttle, error_after_commit, garbled, latency, slow, slow_latency, expire, retry_after, seed)")
            }
        }
    }

    public var description: String {
        var parts: [String] = []
        if error > 0 { parts.append("error=\(error)") }
        if throttle > 0 { parts.append("throttle=\(throttle)") }
        if errorAfterCommit > 0 { parts.append("error_after_commit=\(errorAfterCommit)") }
        if garbled > 0 { parts.append("garbled=\(garbled)") }
        if slow > 0 { parts.append("slow=\(slow)") }
        if latency > .zero { parts.append("latency=\(latency.components.seconds * 1000 + latency.components.attoseconds / 1_000_000_000_000_000)ms") }
        if let expire { parts.append(expire == .loginPage ? "expire" : "expire=redirect") }
        if throttle > 0 { parts.append("retry_after=\(retryAfter)") }
        if !parts.isEmpty { parts.append("seed=\(seed)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }

    private static func probability(_ name: String, _ value: String?) throws -> Double {
        guard let value, let p = Double(value), (0...1).contains(p) else {
            throw SandboxSetupError("--faults: \(name) wants a probability from 0 to 1, e.g. \(name)=0.2")
        }
        return p
    }

    static func duration(_ name: String, _ value: String?) throws -> Duration {
        guard let value else { throw SandboxSetupError("--faults: \(name) wants a duration, e.g. \(name)=20ms") }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1)]
        for (suffix, scale) in units where value.hasSuffix(suffix) {
            if let number = Double(value.dropLast(suffix.count)), number >= 0, number * scale <= 60 {
                return .seconds(clamping: number * scale)
            }
        }
        throw SandboxSetupError("--faults: \(name) wants a duration up to 60s, e.g. \(name)=20ms")
    }
}

/// Behaviours of the real API that the seed does not pin down (docs/spec.md §7),
/// switched on with `--quirks`, so that the client's fallbacks are tested.
public struct Quirks: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Opening a conversation (`GET /conversations/{id}/`) marks the client's messages read.
    public static let markReadOnGet = Quirks(rawValue: 1 << 0)
    /// Lists come oldest-created first instead of newest `last_message_at` first.
    public static let unordered = Quirks(rawValue: 1 << 1)
    /// Timestamps in whole seconds with a `+00:00` offset, as some servers write them.
    public static let plainTimestamps = Quirks(rawValue: 1 << 2)
    /// Writes need the cookie's `XSRF-TOKEN` back as `X-XSRF-TOKEN` (or the token as
    /// `X-CSRF-Token`), else 419 with Laravel's body: the authentication page's "CSRF token
    /// for write operations".
    public static let csrf = Quirks(rawValue: 1 << 3)
    /// Errors written `{"error": {"code", "message", "details"}}`, validation as 422
    /// `validation_failed` with per-field details: the error-handling page's form.
    public static let nestedErrors = Quirks(rawValue: 1 << 4)
    /// Conversation ids of the form `{username}_{unique_id}` (`maplelight_k3j4h5g6f7d8`): the id page's form.
    public static let usernameIDs = Quirks(rawValue: 1 << 5)

    // Faults of a real API the poller must survive: each one an implementation of
    // the Conversations API could plausibly have.
    /// The studio's own messages are labelled `sender_type: "client"` (list and details).
    public static let studioAsClient = Quirks(rawValue: 1 << 6)
    /// `GET /conversations/{id}/` answers 404 for one listed conversation (the first by id).
    public static let get404 = Quirks(rawValue: 1 << 7)
    /// `POST /conversation_messages` stores the message and answers 200 with an empty body.
    public static let postEmptyBody = Quirks(rawValue: 1 << 8)
    /// Timestamps cut to whole seconds (in the seed's format), so messages share them.
    public static let coarseTimestamps = Quirks(rawValue: 1 << 9)
    /// `meta.last_page` too small: always the page asked for, as if it were the last.
    public static let noLastPage = Quirks(rawValue: 1 << 10)
    /// `last_message_at` never moves after a conversation is created (the list keeps its order by activity).
    public static let staleLastMessageAt = Quirks(rawValue: 1 << 11)
    /// One conversation (the last by id) says its last message is 3 hours in the future.
    public static let futureTimestamp = Quirks(rawValue: 1 << 12)
    /// A conversation's details hold only its latest N messages (`capped_messages=N`, default 20).
    public static let cappedMessages = Quirks(rawValue: 1 << 13)
    /// A message shows in a conversation's details only D after it was stored
    /// (`eventual_consistency=3s`, default 3 s); the list shows the activity at once.
    public static let eventualConsistency = Quirks(rawValue: 1 << 14)
    /// `GET /conversations/{id}/` of one conversation (the first by id) answers its details with an extra
    /// field nested 600 levels deep and a number out of any range (`1e400`): an answer no client can read.
    public static let hostileDetails = Quirks(rawValue: 1 << 15)

    // The two quirks with a value keep it above the flags: N in bits 16–31, D in
    // milliseconds in bits 32–51, so the set stays one plain value.
    private static let capShift = 16, delayShift = 32

    /// `capped_messages=N`: N messages per conversation's details.
    public static func capped(_ count: Int) -> Quirks {
        Quirks(rawValue: cappedMessages.rawValue | (min(max(count, 1), 0xFFFF) << capShift))
    }

    /// `eventual_consistency=D`: messages hidden from details for D.
    public static func eventual(milliseconds: Int) -> Quirks {
        Quirks(rawValue: eventualConsistency.rawValue | (min(max(milliseconds, 1), 0xF_FFFF) << delayShift))
    }

    /// The N of `capped_messages`, when on.
    public var messageCap: Int? {
        guard contains(.cappedMessages) else { return nil }
        let value = (rawValue >> Self.capShift) & 0xFFFF
        return value == 0 ? 20 : value
    }

    /// The D of `eventual_consistency` in milliseconds, when on.
    public var consistencyDelay: Int? {
        guard contains(.eventualConsistency) else { return nil }
        let value = (rawValue >> Self.delayShift) & 0xF_FFFF
        return value == 0 ? 3_000 : value
    }

    /// Every quirk the real service is documented to have (by the pages of the
    /// API's documentation beside the seed): `--profile realistic`.
    public static let realistic: Quirks = [.csrf, .nestedErrors, .usernameIDs]

    static let names: [(String, Quirks)] = [
        ("mark_read_on_get", .markReadOnGet), ("unordered", .unordered), ("plain_timestamps", .plainTimestamps),
        ("csrf", .csrf), ("nested_errors", .nestedErrors), ("username_ids", .usernameIDs),
        ("studio_as_client", .studioAsClient), ("get_404", .get404), ("post_empty_body", .postEmptyBody),
        ("coarse_timestamps", .coarseTimestamps), ("no_last_page", .noLastPage), ("stale_last_message_at", .staleLastMessageAt),
        ("future_timestamp", .futureTimestamp), ("capped_messages", .cappedMessages), ("eventual_consistency", .eventualConsistency),
        ("hostile_details", .hostileDetails),
    ]

    /// The quirks of a `--profile`: `seed` (none: the seed to the letter) or `realistic`.
    public init(profile: String) throws {
        switch profile {
        case "seed": self = []
        case "realistic": self = .realistic
        default: throw SandboxSetupError("--profile is seed or realistic, not '\(profile.prefix(40))'")
        }
    }

    /// The profile named by `PXSCRIPT_SANDBOX_PROFILE` (how `scripts/test` runs the examples
    /// against `realistic`), or none.
    public static func fromEnvironment(_ environment: [String: String]) throws -> Quirks {
        guard let profile = environment["PXSCRIPT_SANDBOX_PROFILE"], !profile.isEmpty else { return [] }
        return try Quirks(profile: profile)
    }

    /// Parses a `--quirks` value such as `mark_read_on_get,unordered`.
    public init(parsing list: String) throws {
        self = []
        for raw in list.split(separator: ",") {
            let parts = String(raw).trimmingWhitespace.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts.first ?? ""
            if parts.count == 2 {
                switch name {
                case "capped_messages":
                    guard let count = Int(parts[1]), (1...0xFFFF).contains(count) else {
                        throw SandboxSetupError("--quirks: capped_messages wants a count from 1 to 65535, e.g. capped_messages=20")
                    }
                    formUnion(.capped(count))
                case "eventual_consistency":
                    let delay = try FaultPlan.duration(name, parts[1])
                    let milliseconds = delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000
                    guard milliseconds > 0 else { throw SandboxSetupError("--quirks: eventual_consistency wants a duration above 0, e.g. 3s") }
                    formUnion(.eventual(milliseconds: Int(clamping: milliseconds)))
                default:
                    throw SandboxSetupError("--quirks: '\(name.prefix(40))' takes no value (only capped_messages and eventual_consistency do)")
                }
                continue
            }
            guard let quirk = Self.names.first(where: { $0.0 == name })?.1 else {
                throw SandboxSetupError(
                    "--quirks: unknown quirk '\(name.prefix(40))' (known: \(Self.names.map(\.0).joined(separator: ", ")))")
            }
            insert(quirk)
        }
    }

    public var description: String {
        let names = Self.names.filter { contains($0.1) }.map { name, quirk -> String in
            if quirk == .cappedMessages, let cap = messageCap { return "\(name)=\(cap)" }
            if quirk == .eventualConsistency, let delay = consistencyDelay { return "\(name)=\(Double(delay) / 1000)s" }
            return name
        }
        return names.isEmpty ? "none" : names.joined(separator: ",")
    }
}
