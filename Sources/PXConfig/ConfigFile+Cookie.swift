import Foundation

extension ConfigFile {
    /// Stores `cookie` in the config file at `path` (`pxscript login`): the
    /// file and its folder are created when missing (modes 0600 and 0700);
    /// in an existing file only the top-level `cookie = …` line is replaced
    /// (or one is added before the first table), so every other key, comment
    /// and table stays as the photographer wrote it. A symbolic link is
    /// followed: the file it points at is the one rewritten.
    ///
    /// The new text is written beside the file and renamed over it, so a
    /// crash leaves the old file or the new one, never half of either.
    /// - Throws: `ConfigError.file` when the existing file is not valid TOML
    ///   (it is not rewritten: something in it would be lost).
    public static func storeCookie(_ cookie: String, at path: String) throws {
        try store(["cookie": cookie], at: path)
    }

    /// Sets top-level keys (`pxscript login`: `cookie`, and `base_url` and `tz` when it has them) the
    /// same way: each key's line replaced, or added before the first table; everything else kept.
    /// A key in `keeping` that the file sets already is left as it is.
    /// - Returns: the keys written.
    @discardableResult
    public static func store(_ values: KeyValuePairs<String, String>, keeping: Set<String> = [], at path: String) throws -> [String] {
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map {
            $0.hasPrefix("/") ? $0 : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent($0)
        } ?? path
        let folder = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var text = ""
        if FileManager.default.fileExists(atPath: target) {
            // A file that is not TOML would be rewritten blind: refused. Keys pxscript does not know are kept.
            guard let existing = try? String(contentsOfFile: target, encoding: .utf8) else {
                throw ConfigError.file(path: target, problem: "cannot be read as UTF-8 text; fix or remove it first")
            }
            _ = try Self.table(existing, path: target)
            text = existing
        }
        var updated = text, written: [String] = []
        for (key, value) in values where !(keeping.contains(key) && Self.sets(key, in: text)) {
            updated = Self.replacing(key, in: updated, with: value)
            written.append(key)
        }
        // Lines are replaced, not TOML values: one written over several lines (a multi-line string) would
        // be left half replaced. What would not read back is not written.
        guard (try? Self.table(updated, path: target)) != nil else {
            throw ConfigError.file(
                path: target, problem: "could not be updated safely (a value of \(written.joined(separator: ", ")) spans several lines?); put it on one line, or remove the file, and log in again")
        }
        let temporary = folder + "/.config.toml.\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(updated.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigError.file(path: target, problem: "cannot be written (check the folder's permissions)")
        }
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ConfigError.file(path: target, problem: "cannot be replaced (\(reason))")
        }
        return written
    }

    /// Whether `text` sets the top-level `key`.
    static func sets(_ key: String, in text: String) -> Bool {
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = raw.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("[") { return false }
            if isKey(key, trimmed) { return true }
        }
        return false
    }

    static func replacingCookie(in text: String, with cookie: String) -> String { replacing("cookie", in: text, with: cookie) }

    /// `text` with its top-level `key` line set to `value`, everything else kept.
    static func replacing(_ key: String, in text: String, with value: String) -> String {
        let line = "\(key) = " + quoted(value)
        var lines = text.isEmpty ? [] : text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        var firstTable: Int?
        for (index, raw) in lines.enumerated() {
            let trimmed = raw.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("[") { firstTable = index; break }
            if Self.isKey(key, trimmed) {
                lines[index] = line
                return lines.joined(separator: "\n") + "\n"
            }
        }
        lines.insert(line, at: firstTable ?? lines.count)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Whether a line sets the top-level `name` key (bare or quoted).
    static func isKey(_ name: String, _ line: Substring) -> Bool {
        for key in [name, "\"\(name)\"", "'\(name)'"] where line.hasPrefix(key) {
            let rest = line.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }
            if rest.hasPrefix("=") { return true }
        }
        return false
    }

    /// A TOML basic string: quotes and backslashes escaped (a cookie has no control characters).
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
