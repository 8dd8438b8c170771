import Foundation
import LuaKit
import PXRuntime
import PXState

/// An options table of a px.test function (`{ after = "1h" }`), read with
/// errors worded like Lua's own: `bad argument #3 to 'client_writes' (after: …)`.
struct Fields {
    let pairs: [String: LuaValue]
    let function: String
    let argument: Int

    /// - Parameters:
    ///   - value: a table, or nil for none.
    ///   - known: the option names the function takes (nil: any, checked by its reader): a misspelt
    ///     option is refused, never silently ignored.
    init(_ value: LuaValue, function: String, argument: Int, known: [String]? = nil) throws {
        self.function = function
        self.argument = argument
        switch value {
        case .nil, .array([]): pairs = [:]
        case .map(let map):
            var pairs: [String: LuaValue] = [:]
            for (key, value) in map {
                guard let name = key.text else { throw LuaScriptError("bad argument #\(argument) to '\(function)' (option names are strings)") }
                pairs[name] = value
            }
            self.pairs = pairs
        case .array: throw LuaScriptError("bad argument #\(argument) to '\(function)' (options are named, like { after = \"1h\" })")
        default: throw LuaScriptError("bad argument #\(argument) to '\(function)' (table expected, got \(value.typeName))")
        }
        if let known, let unknown = pairs.keys.sorted().first(where: { !known.contains($0) }) {
            throw LuaScriptError("bad argument #\(argument) to '\(function)' (unknown option '\(unknown.prefix(40))'; it takes \(known.joined(separator: ", ")))")
        }
    }

    /// A whole number in `range`, or nil when the option is not given.
    func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        switch pairs[key] ?? .nil {
        case .nil: return nil
        case .integer(let n) where range.contains(Int(truncatingIfNeeded: n)) && Int64(Int(truncatingIfNeeded: n)) == n: return Int(n)
        case .number(let n) where n.rounded() == n && Double(range.lowerBound) <= n && n <= Double(range.upperBound): return Int(n)
        case .integer, .number: throw problem(key, "a whole number from \(range.lowerBound) to \(range.upperBound) expected")
        case let other: throw problem(key, "number expected, got \(other.typeName)")
        }
    }

    func problem(_ key: String, _ text: String) -> LuaScriptError {
        LuaScriptError("bad argument #\(argument) to '\(function)' (\(key): \(text))")
    }

    func string(_ key: String, required: Bool = false) throws -> String? {
        switch pairs[key] ?? .nil {
        case .nil where !required: return nil
        case .string(let bytes): return String(decoding: bytes, as: UTF8.self)
        case let other: throw problem(key, "string expected, got \(other == .nil ? "no value" : other.typeName)")
        }
    }

    func bool(_ key: String) throws -> Bool? {
        switch pairs[key] ?? .nil {
        case .nil: return nil
        case .boolean(let value): return value
        case let other: throw problem(key, "boolean expected, got \(other.typeName)")
        }
    }

    func duration(_ key: String) throws -> Double? {
        let value = pairs[key] ?? .nil
        if value == .nil { return nil }
        guard let seconds = Self.duration(value) else { throw problem(key, "a duration like \"1h\" or seconds expected") }
        return seconds
    }

    func strings(_ key: String) throws -> [String] {
        let value = pairs[key] ?? .nil
        if value == .nil { return [] }
        return try Self.strings(value, function: function, argument: argument)
    }

    /// `{ error_after_commit = 0.5, latency = "20ms" }` as the sandbox's fault plan reads it.
    func faultSpec() throws -> String {
        try pairs.keys.sorted().map { key in
            switch pairs[key] ?? .nil {
            case .integer(let n): return "\(key)=\(n)"
            case .number(let n): return "\(key)=\(n)"
            case .string(let bytes): return "\(key)=\(String(decoding: bytes, as: UTF8.self))"
            case let other: throw problem(key, "number or string expected, got \(other.typeName)")
            }
        }.joined(separator: ",")
    }

    /// A duration: `"3d"`, `"90m"`, or seconds (at most ten years, from 0).
    static func duration(_ value: LuaValue) -> Double? {
        let seconds: Double?
        switch value {
        case .integer(let n): seconds = Double(n)
        case .number(let n): seconds = n
        case .string(let bytes): seconds = DurationText.seconds(String(decoding: bytes, as: UTF8.self))
        default: seconds = nil
        }
        guard let seconds, seconds.isFinite, seconds >= 0, seconds <= 10 * 366 * 86_400 else { return nil }
        return seconds
    }

    static func strings(_ value: LuaValue, function: String, argument: Int) throws -> [String] {
        switch value {
        case .array(let items):
            return try items.map { item in
                guard let text = item.text else { throw LuaScriptError("bad argument #\(argument) to '\(function)' (a list of strings expected)") }
                return text
            }
        case .map(let map) where map.isEmpty: return []
        default: throw LuaScriptError("bad argument #\(argument) to '\(function)' (a list of strings expected, got \(value.typeName))")
        }
    }
}
