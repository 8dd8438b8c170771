import Foundation
import TOMLKit

/// `~/.config/pxscript/config.toml` (SPEC §5): `cookie`, `base_url`,
/// `allow_read`, `tz`, `max_sends`.
///
/// It holds the session cookie, so like ssh it is refused when group or
/// others may read it.
public struct ConfigFile: Sendable, Hashable {
    public var cookie: String?
    public var baseURL: String?
    public var allowRead: [String] = []
    public var tz: String?
    public var maxSends: Int?
    /// Where it was read from.
    public var path: String?

    public init() {}

    /// The default location: `$XDG_CONFIG_HOME/pxscript/config.toml`, else `~/.config/pxscript/config.toml`.
    public static func defaultPath(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/pxscript/config.toml" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.config/pxscript/config.toml"
    }

    /// Reads the file at `path`; a missing file is an empty configuration.
    /// - Throws: `PixiesetError.file` for a file others can read, a TOML
    ///   error (with its line), a key of the wrong type or an unknown key.
    public static func load(path: String) throws -> ConfigFile {
        guard FileManager.default.fileExists(atPath: path) else { return ConfigFile() }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let mode = (attributes?[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw PixiesetError.file(
                path: path,
                problem: String(format: "readable by others (mode %o) and it holds your session cookie; run: chmod 600 %@", mode, path))
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PixiesetError.file(path: path, problem: "cannot be read as UTF-8 text")
        }
        guard text.utf8.count <= 1 << 20 else { throw PixiesetError.file(path: path, problem: "larger than 1 MiB: not a config file") }
        if let problem = TOMLPrecheck.problem(in: text) {
            throw PixiesetError.file(path: path, problem: problem.description)
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw PixiesetError.file(path: path, problem: "line \(error.source.begin.line): \(error.description)")
        } catch {
            throw PixiesetError.file(path: path, problem: "not valid TOML")
        }
        var config = ConfigFile()
        config.path = path
        for key in table.keys {
            guard let value = table[key] else { continue }
            func string() throws -> String {
                guard let text = value.string else { throw PixiesetError.file(path: path, problem: "'\(key)' must be a string") }
                return text
            }
            switch key {
            case "cookie": config.cookie = try string()
            case "base_url": config.baseURL = try string()
            case "tz": config.tz = try string()
            case "allow_read":
                guard let array = value.array, let folders = Optional(array.compactMap(\.string)), folders.count == array.count else {
                    throw PixiesetError.file(path: path, problem: "'allow_read' must be a list of folder paths")
                }
                config.allowRead = folders
            case "max_sends":
                guard let number = value.int, number >= 0 else {
                    throw PixiesetError.file(path: path, problem: "'max_sends' must be a whole number")
                }
                config.maxSends = number
            default:
                throw PixiesetError.file(
                    path: path, problem: "unknown key '\(key)' (known: cookie, base_url, allow_read, tz, max_sends)")
            }
        }
        return config
    }
}

/// Where the session cookie comes from: `PIXIESET_COOKIE`, else the config
/// file's `cookie` (SPEC §5). Read again on demand, so a long-running watch
/// picks up a new cookie after the photographer logs in again.
public struct CookieSource: Sendable {
    public static let environmentName = "PIXIESET_COOKIE"

    public let environment: [String: String]
    public let configPath: String?

    public init(environment: [String: String], configPath: String?) {
        self.environment = environment
        self.configPath = configPath
    }

    /// The cookie and where it came from, reading the config file anew;
    /// `nil` when neither gives one.
    public func current() throws -> (cookie: String, origin: String)? {
        if let fromEnvironment = Self.cookie(environment: environment, config: ConfigFile()) { return fromEnvironment }
        guard let configPath else { return nil }
        return Self.cookie(environment: environment, config: try ConfigFile.load(path: configPath))
    }

    /// Why `cookie` cannot be sent, or nil: a Cookie header is one line of
    /// visible characters. A line break would split the request (and, in an
    /// error, be printed escaped where redaction could not see it).
    public static func problem(with cookie: String) -> String? {
        guard cookie.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        return "the session cookie contains a line break or another control character; copy the Cookie header's value again, as one line"
    }

    /// The priority rule of SPEC §5 on an already loaded config file.
    public static func cookie(environment: [String: String], config: ConfigFile) -> (cookie: String, origin: String)? {
        if let cookie = environment[environmentName]?.trimmingSpaces, !cookie.isEmpty {
            return (cookie, environmentName)
        }
        guard let cookie = config.cookie?.trimmingSpaces, !cookie.isEmpty else { return nil }
        return (cookie, config.path ?? "the config file")
    }
}
