/// A failure of a script, worded for the person who wrote it.
public enum LuaError: Error, Sendable, CustomStringConvertible {
    /// The script does not compile: `file:line: message`.
    case syntax(String)
    /// The script raised an error: `file:line: message`, and where it was;
    /// `cause` holds the raised table's fields when it was a table.
    case runtime(message: String, traceback: String, cause: LuaErrorCause? = nil)
    /// A limit ended the run (instructions, memory, time).
    case limit(String)
    /// The state could not be created or set up.
    case setup(String)
    /// The host stopped the run (its task was cancelled, as when watch drains).
    case cancelled(String)

    public var description: String {
        switch self {
        case .syntax(let message), .limit(let message), .setup(let message), .cancelled(let message): message
        case .runtime(let message, let traceback, _): traceback.isEmpty ? message : message + "\n" + traceback
        }
    }

    /// The raised table's fields, for a runtime error whose object was a table.
    public var cause: LuaErrorCause? {
        if case .runtime(_, _, let cause) = self { return cause }
        return nil
    }

    /// The first line only, for one-line reports.
    public var message: String {
        switch self {
        case .syntax(let message), .limit(let message), .setup(let message), .cancelled(let message), .runtime(let message, _, _): message
        }
    }
}

/// Thrown by Swift functions called from Lua: becomes a Lua error at the
/// caller's line (`script.lua:3: bad argument #1 to 'send' (…)`).
public struct LuaScriptError: Error, Sendable {
    public let message: String
    /// A value to raise instead of the message (an API error table), with
    /// the name of a metatable defined by `LuaState.defineMetatable`. A map
    /// gets a `where` field (`file:line`) of the calling line.
    public let value: LuaValue?
    public let metatable: String?

    public init(_ message: String) {
        self.message = message
        value = nil
        metatable = nil
    }

    public init(raising value: LuaValue, metatable: String?, message: String) {
        self.message = message
        self.value = value
        self.metatable = metatable
    }
}
