import LuaKit
import PixiesetModels
import PXState

/// The fields of an options table (`{ page = 2, key = "…" }`), checked with
/// Lua's wording: `bad argument #2 to 'send' (field 'key' must be a string, got number)`.
struct OptionsTable {
    let fields: [LuaValue: LuaValue]
    let position: Int
    let function: String
    let known: Set<String>

    /// The table at `position`, or an empty one when absent; unknown fields are refused.
    init(_ args: LuaArguments, _ position: Int, known: Set<String>) throws {
        self.position = position
        self.function = args.function
        self.known = known
        switch try args.value(position) {
        case .nil: fields = [:]
        case .map(let pairs): fields = pairs
        case .array(let items) where items.isEmpty: fields = [:]
        case let other:
            throw LuaScriptError("bad argument #\(position) to '\(args.function)' (table expected, got \(args.count < position ? "no value" : other.typeName))")
        }
        for key in fields.keys {
            guard let name = key.text, known.contains(name) else {
                let shown = key.text.map { "'\($0)'" + NearestName.hint(for: $0, among: known.sorted()) } ?? "a \(key.typeName) key"
                throw LuaScriptError(
                    "bad argument #\(position) to '\(function)' (unknown option \(shown); expected one of \(known.sorted().joined(separator: ", ")))")
            }
        }
    }

    func problem(_ name: String, _ expected: String, got value: LuaValue) -> LuaScriptError {
        LuaScriptError("bad argument #\(position) to '\(function)' (field '\(name)' must be \(expected), got \(value.typeName))")
    }

    func value(_ name: String) -> LuaValue { fields[.text(name)] ?? .nil }

    func string(_ name: String) throws -> String? {
        switch value(name) {
        case .nil: return nil
        case .string(let bytes): return String(decoding: bytes, as: UTF8.self)
        case let other: throw problem(name, "a string", got: other)
        }
    }

    func integer(_ name: String) throws -> Int? {
        switch value(name) {
        case .nil: return nil
        case .integer(let number): return Int(number)
        case .number(let number) where number == number.rounded() && abs(number) < 1e15: return Int(number)
        case let other: throw problem(name, "an integer", got: other)
        }
    }

    func boolean(_ name: String) throws -> Bool? {
        switch value(name) {
        case .nil: return nil
        case .boolean(let flag): return flag
        case let other: throw problem(name, "a boolean", got: other)
        }
    }

    /// A duration field: seconds, or text like `"3d"`.
    func duration(_ name: String) throws -> Double? {
        switch value(name) {
        case .nil: return nil
        case .integer(let number) where number >= 0: return Double(number)
        case .number(let number) where number >= 0: return number
        case .string(let bytes):
            guard let seconds = DurationText.seconds(String(decoding: bytes, as: UTF8.self)) else {
                throw LuaScriptError("bad argument #\(position) to '\(function)' (field '\(name)' is not a duration like \"3d\", \"12h\" or \"90m\")")
            }
            return seconds
        case let other: throw problem(name, "a duration", got: other)
        }
    }
}
