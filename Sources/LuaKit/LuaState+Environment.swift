extension LuaState {
    /// Names `os.getenv` never reveals, whatever `--allow-env` grants.
    public static let secretEnvironmentNames: Set<String> = ["PIXIESET_COOKIE"]

    /// Installs `os.getenv(name)`: the value for names in `allowed`, nil for
    /// every other name (as for an unset variable), never the session cookie.
    public func allowEnvironment(_ allowed: Set<String>, from environment: [String: String]) {
        let visible = environment.filter { allowed.contains($0.key) && !LuaState.secretEnvironmentNames.contains($0.key) }
        register("getenv", in: "os") { args in
            let name = try args.string(1)
            return [visible[name].map(LuaValue.text) ?? .nil]
        }
    }
}
