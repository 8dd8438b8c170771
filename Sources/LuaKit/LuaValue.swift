/// A Lua value crossing into Swift. Integers stay integers (Lua 5.4 keeps
/// them apart from floats); strings are bytes, exactly as Lua holds them.
public enum LuaValue: Sendable, Hashable {
    case `nil`
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    case string([UInt8])
    /// A table whose keys are exactly 1…n.
    case array([LuaValue])
    /// Any other table, keys as Lua values.
    case map([LuaValue: LuaValue])
    /// A value Swift does not carry (function, userdata, thread), by type name.
    case opaque(String)
    /// A Swift value encoded into Lua tables only when pushed (a server
    /// answer: no tree beside its tables); reads as `resolved()`.
    case encoded(LuaEncoded)

    /// A string from Swift text.
    public static func text(_ string: String) -> LuaValue { .string(Array(string.utf8)) }

    /// The text of a string value (invalid UTF-8 repaired), else nil.
    public var text: String? {
        if case .string(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// Lua's name of the value's type, as in error messages.
    public var typeName: String {
        switch self {
        case .nil: "nil"
        case .boolean: "boolean"
        case .integer, .number: "number"
        case .string: "string"
        case .array, .map: "table"
        case .opaque(let name): name
        case .encoded(let value): (try? value.resolved())?.typeName ?? "table"
        }
    }
}

/// A Lua function held for the host (a handler, a scheduled job), by its
/// registry slot. Released explicitly with `LuaState.release(_:)`, so its
/// lifetime never depends on when Swift happens to free a value.
public struct LuaReference: Sendable, Hashable {
    public let id: Int32
}
