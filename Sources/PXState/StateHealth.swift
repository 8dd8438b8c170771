import Foundation
import PixiesetModels

/// What this machine offers a state, for `doctor` and `status`:
/// the space left on its disk, whether its folder can be written, and which
/// process holds its write lock when that can be known.
public struct StateHealth: Sendable {
    /// Bytes free for this user on the state's disk (nil: unknown).
    public var freeBytes: Int64?
    /// The state's folder (and file, when there) can be written.
    public var writable: Bool
    /// The process holding the state's write lock: its pid and name (nil: none, or not knowable).
    public var lockHolder: (pid: Int32, name: String)?

    /// Below this, the disk is called nearly full: a state grows by a few KiB per message, its WAL by up to 4 MiB.
    public static let lowSpace: Int64 = 50 << 20

    /// Looks at the state at `path` (which may not exist yet) without opening it.
    public static func of(statePath path: String) -> StateHealth {
        let folder = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        var stats = statvfs()
        var free: Int64?
        if statvfs(folder, &stats) == 0 {
            // The file system's own counts: saturated rather than wrapped if they are ever absurd.
            let (bytes, overflow) = UInt64(stats.f_bavail).multipliedReportingOverflow(by: UInt64(stats.f_frsize))
            free = overflow ? .max : Int64(clamping: bytes)
        }
        let writable = access(folder, W_OK) == 0 && (access(path, F_OK) != 0 || access(path, W_OK) == 0)
        return StateHealth(freeBytes: free, writable: writable, lockHolder: holder(of: path))
    }

    /// The process holding SQLite's write lock on the state: in WAL mode, byte 120 of the `-shm`
    /// file (`WAL_WRITE_LOCK`), taken with a POSIX record lock that `F_GETLK` reports with its pid.
    /// Nil when nobody holds it, or the holder is this process (which `F_GETLK` does not report).
    package static func holder(of path: String) -> (pid: Int32, name: String)? {
        let descriptor = open(path + "-shm", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 120
        lock.l_len = 1
        guard fcntl(descriptor, F_GETLK, &lock) == 0, lock.l_type != Int16(F_UNLCK), lock.l_pid > 0 else { return nil }
        return (lock.l_pid, processName(lock.l_pid))
    }

    /// A process's command line, shortened, for a person ("python3 backup.py"); its pid alone when unknown.
    package static func processName(_ pid: Int32) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return "pid \(pid)" }
        let words = data.split(separator: 0).prefix(3).map { String(decoding: $0, as: UTF8.self) }
        let shown = words.enumerated().map { $0.offset == 0 ? ($0.element as NSString).lastPathComponent : $0.element }.joined(separator: " ")
        // Another program names itself: escaped like any text from outside (C1 and bidi included).
        return TerminalText.escaped(String(shown.prefix(80)))
    }

    /// One thing wrong: whether it stops writes now (`serious`), what it is, and what to do.
    public struct Finding: Sendable, Equatable {
        public let serious: Bool
        public let text: String
        public let fix: String
    }

    /// What is wrong with the state at `path`, for a person (nothing when all is well).
    public func findings(statePath path: String) -> [Finding] {
        let folder = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        var findings: [Finding] = []
        if let lockHolder {
            findings.append(Finding(
                serious: true, text: "the state is locked for writing by \(lockHolder.name) (pid \(lockHolder.pid)); writes wait for it",
                fix: "let that program finish, or end it (kill \(lockHolder.pid)); a running watch goes on by itself"))
        }
        if !writable {
            findings.append(Finding(
                serious: true, text: "the state's folder or file cannot be written (a read-only disk, or its permissions)",
                fix: "make \(folder) writable for this user"))
        }
        if let freeBytes, freeBytes < Self.lowSpace {
            findings.append(Finding(
                serious: freeBytes < Self.fullSpace,
                text: "the state's disk is \(freeBytes < Self.fullSpace ? "full" : "nearly full"): \(Self.size(freeBytes)) free",
                fix: "free space on the disk that holds \(folder)"))
        }
        return findings
    }

    /// What is wrong, as lines (`status`).
    public func problems(statePath path: String) -> [String] { findings(statePath: path).map(\.text) }

    /// Below this, writes fail: a transaction of a few pages, and the WAL's growth, need that much.
    public static let fullSpace: Int64 = 256 << 10

    /// `12.3 MB`, `512 KB`.
    public static func size(_ bytes: Int64) -> String {
        if bytes >= 1 << 30 { return String(format: "%.1f GB", Double(bytes) / Double(1 << 30)) }
        if bytes >= 1 << 20 { return String(format: "%.1f MB", Double(bytes) / Double(1 << 20)) }
        return "\(bytes / 1024) KB"
    }
}
