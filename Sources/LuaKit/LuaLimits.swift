/// Hard limits of one state (docs/spec.md §3): each ends the run with an error
/// naming the limit, and `pcall` cannot catch it and carry on.
public struct LuaLimits: Sendable, Hashable {
    /// Lua VM instructions per run (`--max-instructions`, default 1e9).
    public var maxInstructions: Int64
    /// Bytes of memory for the whole state (`--max-memory`, default 256 MiB).
    public var maxMemory: Int

    public init(maxInstructions: Int64 = 1_000_000_000, maxMemory: Int = 256 << 20) {
        self.maxInstructions = maxInstructions
        self.maxMemory = maxMemory
    }
}
