/// What a Swift function returns to Lua: written like an array
/// (`return [.integer(n)]`, `return []`), stored without one for the usual
/// zero or one value, so the common call allocates nothing on the heap
/// (the initializer is inlined and the literal's buffer stays on the stack).
public struct LuaReturn: ExpressibleByArrayLiteral, Sendable {
    @usableFromInline
    enum Storage: Sendable {
        case none
        case one(LuaValue)
        case many([LuaValue])
        /// An async function's work is stored: the trampoline yields.
        case yield
    }

    @usableFromInline let storage: Storage

    init(storage: Storage) { self.storage = storage }

    @inlinable
    public init(arrayLiteral values: LuaValue...) {
        switch values.count {
        case 0: storage = .none
        case 1: storage = .one(values[0])
        default: storage = .many(values)
        }
    }

    /// Values computed at run time.
    public init(_ values: [LuaValue]) {
        switch values.count {
        case 0: storage = .none
        case 1: storage = .one(values[0])
        default: storage = .many(values)
        }
    }

    var count: Int {
        switch storage {
        case .none, .yield: 0
        case .one: 1
        case .many(let values): values.count
        }
    }

    /// Pushes every value; false when one could not be pushed (too deep).
    func push(onto L: OpaquePointer) -> Bool {
        switch storage {
        case .none, .yield: return true
        case .one(let value): return LuaStack.push(L, value)
        case .many(let values): return values.allSatisfy { LuaStack.push(L, $0) }
        }
    }
}
