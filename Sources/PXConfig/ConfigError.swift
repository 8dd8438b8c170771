/// A config file pxscript cannot use, worded as `PATH: what is wrong` (the key or line, and the fix).
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    case file(path: String, problem: String)

    public var path: String {
        switch self {
        case .file(let path, _): path
        }
    }

    public var description: String {
        switch self {
        case .file(let path, let problem): "\(path): \(problem)"
        }
    }
}
