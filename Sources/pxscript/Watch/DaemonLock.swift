import Foundation

/// One daemon per state file (SPEC §6): an exclusive `flock` on
/// `STATE.lock`, held while the daemon runs and released by the kernel if
/// it dies; the file names the holder's pid for the refusal.
final class DaemonLock {
    private let descriptor: Int32

    init(statePath: String) throws {
        let path = statePath + ".lock"
        let folder = (statePath as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure("cannot create \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(descriptor)
            throw Failure("another pxscript watch (pid \(holder)) is running on \(statePath); one daemon per state file")
        }
        ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
