import CLua
import CLuaShim

/// A Swift function callable from Lua.
public typealias LuaSwiftFunction = (LuaArguments) throws -> LuaReturn

/// The waiting part of an async function: run by the host while the
/// calling coroutine is suspended.
public typealias LuaAsyncWork = @Sendable () async throws -> [LuaValue]

/// An async function: reads its arguments at once (so argument errors are
/// ordinary Lua errors), then returns the work to wait for.
public typealias LuaAsyncFunction = (LuaArguments) throws -> LuaAsyncWork

/// Host calls waiting for their coroutine's resumption, by thread.
final class PendingCalls {
    var work: [OpaquePointer: LuaAsyncWork] = [:]
}

/// The box a Lua closure points at (as light user data). The state keeps
/// every box alive for its own lifetime.
final class LuaFunctionBox {
    enum Kind {
        case sync(LuaSwiftFunction)
        case async(LuaAsyncFunction, PendingCalls)
    }

    let name: String
    /// One closure for both kinds (an async function's stores its work and
    /// answers `.yield`): the call path loads a single non-optional closure.
    let call: LuaSwiftFunction

    init(name: String, kind: Kind) {
        self.name = name
        switch kind {
        case .sync(let body):
            call = body
        case .async(let body, let pending):
            call = { arguments in
                pending.work[arguments.L] = try body(arguments)
                return LuaReturn(storage: .yield)
            }
        }
    }
}

/// Status codes of the trampoline (CLuaShim.h), named for Swift.
enum LuaDispatch {
    static let failed: Int32 = -1
    static let yield: Int32 = -2

    /// The one entry point of every Swift function. It never raises: errors
    /// are left on the stack and reported by status, for C to raise once
    /// this frame has returned.
    static let entry: pxl_dispatch_fn = { L, pointer in
        guard let L, let pointer else { return failed }
        // The state keeps the box alive: borrowed, not retained, for the call.
        return Unmanaged<LuaFunctionBox>.fromOpaque(pointer)._withUnsafeGuaranteedRef { box in call(box, L) }
    }

    @inline(__always)
    private static func call(_ box: LuaFunctionBox, _ L: OpaquePointer) -> Int32 {
        let arguments = LuaArguments(L: L, box: box)
        do {
            let results = try box.call(arguments)
            if case .yield = results.storage { return yield }
            let top = lua_gettop(L)
            guard results.push(onto: L) else {
                let reason = LuaStack.failure(L)
                lua_settop(L, top)
                pushMessage(L, "'\(box.name)': \(reason)")
                return failed
            }
            return Int32(results.count)
        } catch let failure as LuaScriptError {
            pushError(L, failure, calledFrom: L)
            return failed
        } catch {
            pushMessage(L, "'\(box.name)': \(error)")
            return failed
        }
    }

    /// Pushes what `failure` raises onto `L`: its value with its metatable,
    /// or its message positioned at the line that called on `thread`.
    static func pushError(_ L: OpaquePointer, _ failure: LuaScriptError, calledFrom thread: OpaquePointer) {
        guard var value = failure.value else {
            _ = lua_checkstack(L, 2)
            LuaStack.push(L, .text(positioned(failure.message, in: thread)))
            return
        }
        if case .map(var fields) = value {
            let position = positioned("", in: thread)
            if !position.isEmpty { fields[.text("where")] = .text(String(position.dropLast(2))) }
            value = .map(fields)
        }
        guard lua_checkstack(L, 4) != 0, LuaStack.push(L, value) else {
            LuaStack.push(L, .text(positioned(failure.message, in: thread)))
            return
        }
        if let name = failure.metatable {
            if lua_getfield(L, pxl_registryindex(), name) == LUA_TTABLE { lua_setmetatable(L, -2) } else { pxl_pop(L, 1) }
        }
        if lua_type(L, -1) == LUA_TTABLE { LuaErrorCause.markRaised(L) }
    }

    /// Pushes `message` prefixed with the calling line, as `luaL_error` does.
    static func pushMessage(_ L: OpaquePointer, _ message: String) {
        _ = lua_checkstack(L, 2)
        LuaStack.push(L, .text(positioned(message, in: L)))
    }

    /// `message` prefixed with `source:line: ` of the Lua function that
    /// called into the host on `thread` (nothing when it has no line, as
    /// when `pcall` itself is the caller). The one place positions are made:
    /// for errors of Swift functions and of async work alike.
    static func positioned(_ message: String, in thread: OpaquePointer) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        _ = pxl_where(thread, 1, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + message
    }

    /// Installs `entry` as the shim's dispatcher, once per process.
    static let installed: Void = pxl_set_dispatch(entry)
}
