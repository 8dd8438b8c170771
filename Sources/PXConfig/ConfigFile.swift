import Foundation
import PixiesetModels
import TOMLKit

/// `~/.config/pxscript/config.toml` (docs/spec.md §5): `cookie`, `csrf_token`,
/// `base_url`, `allow_read`, `tz`, `max_sends`, `[notify]`.
///
/// It holds the session cookie, so like ssh it is refused when group or
/// others may read it.
public struct ConfigFile: Sendable, Hashable {
    public var cookie: String?
    /// A CSRF token given apart from the cookie, sent as `X-CSRF-Token` on writes.
    public var csrfToken: String?
    public var baseURL: String?
    public var allowRead: [String] = []
    public var tz: String?
    public var maxSends: Int?
    /// `[notify]`: where notifications go; no targets when the table is missing.
    public var notify = NotifyConfig()
    /// Where it was read from.
    public var path: String?

    public init() {}

    /// `text` parsed as TOML, after the checks that keep TOMLKit's parser from aborting.
    /// - Throws: `ConfigError.file` naming the line.
    static func table(_ text: String, path: String) throws -> TOMLTable {
        guard text.utf8.count <= 1 << 20 else { throw ConfigError.file(path: path, problem: "larger than 1 MiB: not a config file") }
        if let problem = TOMLPrecheck.problem(in: text) {
            throw ConfigError.file(path: path, problem: problem.description)
        }
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let line = error.source.begin.line
            throw ConfigError.file(path: path, problem: "line \(line): \(error.description)" + quotingHint(text, line: line))
        } catch {
            throw ConfigError.file(path: path, problem: "not valid TOML")
        }
    }

    /// The mode of the file at `path` (a link followed) when group or others may read it, else nil.
    public static func privacyMode(_ path: String) -> Int? {
        // The link followed: a link's own mode is always 777.
        let target = (path as NSString).resolvingSymlinksInPath
        guard let mode = (try? FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? NSNumber)?.intValue else { return nil }
        return mode & 0o077 != 0 ? mode : nil
    }

    /// The keys a config file may hold (`pxscript login` keeps every other line as it is).
    public static let knownKeys = ["cookie", "csrf_token", "base_url", "allow_read", "tz", "max_sends", "notify"]

    /// The default location: `$XDG_CONFIG_HOME/pxscript/config.toml`, else `~/.config/pxscript/config.toml`.
    public static func defaultPath(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/pxscript/config.toml" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.config/pxscript/config.toml"
    }

    /// For a value TOML cannot read (`tz = America/Toronto`): the line as it should be, quoted.
    static func quotingHint(_ text: String, line number: Int) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard number >= 1, number <= lines.count else { return "" }
        let line = lines[number - 1]
        guard let equals = line.firstIndex(of: "=") else { return "" }
        let key = line[..<equals].trimmingCharacters(in: .whitespaces)
        let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty, !value.isEmpty, !value.hasPrefix("\""), !value.hasPrefix("'"), !value.hasPrefix("["), !value.hasPrefix("{"),
              Int(value) == nil, value != "true", value != "false"
        else { return "" }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "; text needs quotes: \(key) = \"\(TerminalText.escaped(String(escaped.prefix(80))))\""
    }

    /// Reads the file at `path`; a missing file is an empty configuration.
    /// - Throws: `ConfigError.file` for a file others can read, a TOML
    ///   error (with its line), a key of the wrong type or an unknown key.
    /// - Parameter checkingMode: refuse a file others can read (everything but
    ///   `pxscript login`, which replaces it with a private one).
    public static func load(path: String, checkingMode: Bool = true) throws -> ConfigFile {
        guard FileManager.default.fileExists(atPath: path) else { return ConfigFile() }
        if checkingMode, let mode = privacyMode(path) {
            // A link's own mode is always 777: the file it points at is the one that matters, and the one to chmod.
            let target = (path as NSString).resolvingSymlinksInPath
            throw ConfigError.file(
                path: path,
                problem: String(format: "readable by others (mode %o) and it holds your session cookie; run: chmod 600 %@", mode, target))
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError.file(path: path, problem: "cannot be read as UTF-8 text")
        }
        let table = try Self.table(text, path: path)
        var config = ConfigFile()
        config.path = path
        for key in table.keys {
            guard let value = table[key] else { continue }
            func string() throws -> String {
                guard let text = value.string else { throw ConfigError.file(path: path, problem: "'\(key)' must be a string") }
                return text
            }
            switch key {
            case "cookie": config.cookie = try string()
            case "csrf_token": config.csrfToken = try string()
            case "base_url": config.baseURL = try string()
            case "tz": config.tz = try string()
            case "allow_read":
                guard let array = value.array, let folders = Optional(array.compactMap(\.string)), folders.count == array.count else {
                    throw ConfigError.file(path: path, problem: "'allow_read' must be a list of folder paths")
                }
                config.allowRead = folders
            case "max_sends":
                guard let number = value.int, number >= 0 else {
                    throw ConfigError.file(path: path, problem: "'max_sends' must be a whole number")
                }
                config.maxSends = number
            case "notify":
                config.notify = try NotifyConfig.parse(value, path: path)
            default:
                throw ConfigError.file(
                    path: path,
                    problem: "unknown key '\(key)'" + (NearestName.suggestion(for: key, among: Self.knownKeys).map { ": did you mean '\($0)'?" } ?? "")
                        + " (known: \(Self.knownKeys.joined(separator: ", ")))")
            }
        }
        return config
    }
}
