import Foundation

/// Files that hold studio data (client names, message texts, approvals, the
/// journal) or secrets are the photographer's alone: made 0600,
/// whatever the umask or folder, and an existing one that others could read
/// is made private again when pxscript opens it (as `chmod 600` would).
/// SQLite makes a database's `-wal` and `-shm` with the database's own mode.
package enum PrivateFiles {
    /// Makes `path` as an empty file of mode 0600 unless it exists.
    package static func create(_ path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor) }
    }

    /// Takes group and others' bits off each of `paths` that exists; the paths it changed.
    @discardableResult
    package static func restrict(_ paths: [String]) -> [String] {
        paths.filter { path in
            // Not following a link (`attributesOfItem` looks at the link itself): only pxscript's own regular files.
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  attributes[.type] as? FileAttributeType == .typeRegular,
                  let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0
            else { return false }
            return (try? FileManager.default.setAttributes([.posixPermissions: mode & 0o700], ofItemAtPath: path)) != nil
        }
    }

    /// Writes `data` to `path` as a file of mode 0600 (replacing one there).
    package static func write(_ data: Data, to path: String) throws {
        unlink(path)
        create(path)
        try data.write(to: URL(fileURLWithPath: path))
        restrict([path])
    }
}
