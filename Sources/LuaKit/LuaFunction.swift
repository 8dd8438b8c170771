import CLua
import CLuaShim

/// A Swift function callable from Lua.
public typealias LuaSwiftFunction = (LuaArguments) throws -> [LuaValue]

/// The box a Lua closure points at (as light user data). The state keeps
/// every box alive for its own lifetime.
final class LuaFunctionBox {
    let name: String
    let body: LuaSwiftFunction

    init(name: String, body: @escaping LuaSwiftFunction) {
        self.name = name
        self.body = body
    }
}

/// Status codes of the trampoline (CLuaShim.h), named for Swift.
enum LuaDispatch {
    static let failed: Int32 = -1

    /// The one entry point of every Swift function. It never raises: errors
    /// are left on the stack and reported by status, for C to raise once
    /// this frame has returned.
    static let entry: pxl_dispatch_fn = { L, pointer in
        guard let L, let pointer else { return failed }
        let box = Unmanaged<LuaFunctionBox>.fromOpaque(pointer).takeUnretainedValue()
        let arguments = LuaArguments(L: L, function: box.name)
        do {
            let results = try box.body(arguments)
            for result in results where !LuaStack.push(L, result) {
                pushMessage(L, "'\(box.name)' returned a value nested too deeply")
                return failed
            }
            return Int32(results.count)
        } catch let failure as LuaScriptError {
            pushMessage(L, failure.message)
            return failed
        } catch {
            pushMessage(L, "'\(box.name)': \(error)")
            return failed
        }
    }

    /// Pushes `message` prefixed with the calling line, as `luaL_error` does.
    static func pushMessage(_ L: OpaquePointer, _ message: String) {
        _ = lua_checkstack(L, 2)
        luaL_where(L, 1)
        let bytes = Array(message.utf8)
        bytes.withUnsafeBufferPointer { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
        lua_concat(L, 2)
    }

    /// Installs `entry` as the shim's dispatcher, once per process.
    static let installed: Void = pxl_set_dispatch(entry)
}
