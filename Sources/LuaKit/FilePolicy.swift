import Foundation

/// What scripts may read (docs/spec.md §3): one rule for modules, templates,
/// partials and attachments.
///
/// Readable: the script's folder and folders granted with `--allow-read`
/// (or `allow_read`), symlinks resolved first. Never readable, whatever is
/// granted: the files named in `denied` (the config file, state files) and
/// any path with a component starting with `.`.
public struct FilePolicy: Sendable, Hashable {
    /// A file or folder as the system knows it (device and inode): a hard
    /// link or another spelling of a denied file is the same file.
    public struct Identity: Sendable, Hashable {
        let device: UInt64
        let inode: UInt64

        init?(_ path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    /// Readable folders, as real paths.
    public let roots: [String]
    /// Files never readable, as real paths.
    public let denied: Set<String>
    /// Files never readable, by identity.
    public let deniedFiles: Set<Identity>
    /// Folders whose contents are never readable, by identity (pxscript's
    /// config and state folders: an editor's `config.toml~` is covered too).
    public let deniedFolders: Set<Identity>
    /// The system's own trees: process memory and environments (`/proc`),
    /// devices that never end (`/dev/zero`, `/dev/stdin`), kernel state.
    static let systemTrees = ["/proc", "/sys", "/dev"]

    /// - Throws: `FilePolicyError` when a folder does not exist.
    public init(scriptFolder: String, granted: [String] = [], denied: [String] = [], deniedFolders: [String] = []) throws {
        var roots: [String] = []
        for folder in [scriptFolder] + granted {
            guard let real = FilePolicy.realPath(folder), FilePolicy.isDirectory(real) else {
                throw FilePolicyError("\(folder) is not a folder")
            }
            roots.append(real)
        }
        self.roots = roots
        self.denied = Set(denied.compactMap(FilePolicy.realPath))
        deniedFiles = Set(denied.compactMap(Identity.init))
        // A denied folder that holds the script's own folder would deny the script itself: its files are denied one by one instead.
        let scriptIdentity = roots.first.flatMap(Identity.init)
        self.deniedFolders = Set(deniedFolders.compactMap { folder -> Identity? in
            guard let real = FilePolicy.realPath(folder), let identity = Identity(real) else { return nil }
            let holdsScript = roots.first.map { $0 == real || $0.hasPrefix(real + "/") } ?? false
            return holdsScript || identity == scriptIdentity ? nil : identity
        })
    }

    /// The real path of `path` (relative paths against the script's folder)
    /// if the policy lets scripts read it.
    /// - Throws: `FilePolicyError` saying why not.
    public func readablePath(_ path: String) throws -> String {
        let base = roots[0]
        let absolute = path.hasPrefix("/") ? path : base + "/" + path
        if FilePolicy.hasHiddenComponent(path) {
            throw FilePolicyError("\(path) is not readable: scripts cannot read hidden files or folders (names starting with '.')")
        }
        guard let real = FilePolicy.realPath(absolute) else { throw FilePolicyError("\(path): no such file", isMissing: true) }
        if FilePolicy.hasHiddenComponent(real) {
            throw FilePolicyError("\(path) is not readable: it leads to a hidden file or folder")
        }
        guard !denied.contains(real), !(Identity(real).map(deniedFiles.contains) ?? false), !isInDeniedFolder(real) else {
            throw FilePolicyError("\(path) is not readable: pxscript's own files are off limits")
        }
        guard !Self.systemTrees.contains(where: { real == $0 || real.hasPrefix($0 + "/") }) else {
            throw FilePolicyError("\(path) is not readable: system files (/proc, /sys, /dev) are off limits")
        }
        guard roots.contains(where: { real == $0 || real.hasPrefix($0 == "/" ? "/" : $0 + "/") }) else {
            throw FilePolicyError("\(path) is outside the script's folder (allow its folder with --allow-read DIR)")
        }
        guard !FilePolicy.isDirectory(real) else { throw FilePolicyError("\(path) is a folder, not a file") }
        return real
    }

    /// Reads a file the policy allows, at most `maxBytes` of it (the caller
    /// refuses a file that fills them: nothing larger is ever loaded whole).
    public func read(_ path: String, maxBytes: Int = 64 << 20) throws -> [UInt8] {
        let real = try readablePath(path)
        guard let handle = FileHandle(forReadingAtPath: real) else { throw FilePolicyError("\(path) cannot be read") }
        defer { try? handle.close() }
        do {
            return Array(try handle.read(upToCount: maxBytes) ?? Data())
        } catch {
            throw FilePolicyError("\(path) cannot be read")
        }
    }

    /// Whether a folder above `real` is a denied folder.
    private func isInDeniedFolder(_ real: String) -> Bool {
        guard !deniedFolders.isEmpty else { return false }
        var folder = (real as NSString).deletingLastPathComponent
        while !folder.isEmpty {
            if let identity = Identity(folder), deniedFolders.contains(identity) { return true }
            if folder == "/" { break }
            folder = (folder as NSString).deletingLastPathComponent
        }
        return false
    }

    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Whether a component starts with "." (`.`/`..` included: a path is named plainly).
    static func hasHiddenComponent(_ path: String) -> Bool {
        path.split(separator: "/").contains { $0.hasPrefix(".") }
    }
}

/// Why a file may not be read, worded for the script's author.
public struct FilePolicyError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// The file does not exist (exit 66 where a command names it).
    public let isMissing: Bool

    public init(_ description: String, isMissing: Bool = false) {
        self.description = description
        self.isMissing = isMissing
    }
}
