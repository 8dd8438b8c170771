import PixiesetModels
import Synchronization

/// Makes IDs in the seed's shapes: `conv_` + 12, `msg_` + 12, `att_` + 12,
/// `cl_` + 30 upper-case letters and digits.
struct IDGenerator {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    private static let lowercase = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// The studio's username in `{username}_{unique_id}` conversation ids (quirk `username_ids`).
    static let username = "maplelight"

    /// A conversation id, in the seed's shape or (quirk `username_ids`) the id page's.
    static func conversation<R: RandomNumberGenerator>(usernameStyle: Bool, using rng: inout R) -> String {
        guard usernameStyle else { return make(.conversation, using: &rng) }
        let unique = (0..<12).map { _ in lowercase[Int(rng.next(upperBound: UInt64(lowercase.count)))] }
        return username + "_" + String(decoding: unique, as: UTF8.self)
    }

    static func conversation(usernameStyle: Bool) -> String {
        var rng = SystemRandomNumberGenerator()
        return conversation(usernameStyle: usernameStyle, using: &rng)
    }

    static func make<R: RandomNumberGenerator>(_ kind: ResourceID, using rng: inout R) -> String {
        let length = kind == .client ? 30 : 12
        var bytes = [UInt8]()
        bytes.reserveCapacity(length)
        for _ in 0..<length {
            bytes.append(alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))])
        }
        return kind.prefix + String(decoding: bytes, as: UTF8.self)
    }

    /// A fresh random ID (for everything created while the sandbox runs).
    static func make(_ kind: ResourceID) -> String {
        var rng = SystemRandomNumberGenerator()
        return make(kind, using: &rng)
    }
}

/// Where a database's new ids come from: the system's randomness, or a seed (the simulator: the
/// same seed, the same ids, so which conversation a quirk picks "by id" is the same every run).
final class IDSource: Sendable {
    private final class Seeded: Sendable {
        let random: Mutex<SeededRandom>
        init(_ seed: UInt64) { random = Mutex(SeededRandom(seed: seed)) }
    }

    private let seeded: Seeded?

    init(seed: UInt64?) { seeded = seed.map(Seeded.init) }

    func make(_ kind: ResourceID) -> String {
        guard let seeded else { return IDGenerator.make(kind) }
        return seeded.random.withLock { IDGenerator.make(kind, using: &$0) }
    }

    func conversation(usernameStyle: Bool) -> String {
        guard let seeded else { return IDGenerator.conversation(usernameStyle: usernameStyle) }
        return seeded.random.withLock { IDGenerator.conversation(usernameStyle: usernameStyle, using: &$0) }
    }
}

/// SplitMix64: a small, fast generator whose sequence depends only on its
/// seed, so `--seed demo` and fault plans repeat exactly.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}
