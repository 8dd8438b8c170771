/// A Swift value that becomes Lua tables only when it is pushed, encoded
/// straight into them (`LuaTableEncoder`): a large server answer costs its
/// typed values and Lua's own tables, never a tree of `LuaValue`s beside
/// them (a 29 MB page took 13 times its size that way).
///
/// As a `LuaValue` (`.encoded`) it reads as the tree `LuaValueEncoder` gives
/// (`resolved()`); two compare equal only when they are the same box.
public final class LuaEncoded: Sendable, Hashable {
    /// Fields to add to the table of a nested value (marks on every message
    /// of a conversation): called for each value encoded as a keyed
    /// container (a struct), nil for none.
    public typealias Adding = @Sendable (any Encodable) -> [(String, LuaValue)]?

    let value: any Encodable & Sendable
    let adding: Adding?

    public init(_ value: some Encodable & Sendable, adding: Adding? = nil) {
        self.value = value
        self.adding = adding
    }

    /// The value as a tree, for Swift code that reads it.
    public func resolved() throws -> LuaValue { try LuaValueEncoder(adding: adding).encode(value) }

    public static func == (lhs: LuaEncoded, rhs: LuaEncoded) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

extension LuaValue {
    /// The value with an `.encoded` one read as its tree (a value nested over
    /// 64 levels reads as opaque).
    public var plain: LuaValue {
        guard case .encoded(let encoded) = self else { return self }
        return (try? encoded.resolved()) ?? .opaque("a table nested over 64 levels")
    }
}
