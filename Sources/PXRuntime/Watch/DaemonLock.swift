import Foundation
import PixiesetKit

/// An exclusive `flock` held while a daemon runs and released by the kernel
/// if it dies; the file names the holder (pid, state) for the refusal.
/// Two are taken (SPEC §6): one per state file, and, for a script that
/// handles messages, one per account (base URL and cookie), so two daemons
/// never answer the same clients.
public final class DaemonLock: Sendable {
    private let descriptor: Int32

    /// The lock beside a state file; the holder names the daemon's scripts when it has several.
    convenience init(statePath: String, scripts: [String] = []) throws {
        let holder = "pid \(getpid())" + (scripts.count > 1 ? ", scripts \(scripts.joined(separator: " "))" : "")
        try self.init(path: statePath + ".lock", holder: holder) { holder in
            "another pxscript watch (\(holder)) is running on \(statePath); one daemon per state file"
        }
    }

    /// The lock of an account's message handling, under the state folder.
    /// The account is the normalised host and the session's own cookie pairs (`AccountIdentity`).
    /// The holder names the daemon's scripts, so a refusal can say what to restart it with.
    static func account(
        baseURL: BaseURL, cookie: String, scripts: [(path: String, statePath: String)], environment: [String: String]
    ) throws -> DaemonLock {
        let folder = StatePath.folder(environment: environment)
        let digest = AccountIdentity.key(baseURL: baseURL, cookie: cookie)
        let holder = "pid \(getpid()), state \(scripts.map(\.statePath).joined(separator: ", ")); scripts \(scripts.map(\.path).joined(separator: " "))"
        return try DaemonLock(path: folder + "/accounts/\(digest).lock", holder: holder) { holder in
            "another pxscript watch (\(holder)) already answers messages for this account; one message-handling daemon per "
                + "account: stop it and start one daemon with every script (pxscript watch a.lua b.lua …)"
        }
    }

    private init(path: String, holder: String, refusal: (String) -> String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw RuntimeError.state("cannot create \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let current = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(descriptor)
            throw RuntimeError.state(refusal(current))
        }
        ftruncate(descriptor, 0)
        _ = holder.withCString { write(descriptor, $0, strlen($0)) }
    }

    /// Who holds the daemon lock of `statePath` ("pid 42, scripts a.lua b.lua"), or nil when no daemon runs on it.
    public static func holder(statePath: String) -> String? {
        let path = statePath + ".lock"
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // A shared lock is refused while a daemon holds the exclusive one.
        guard flock(descriptor, LOCK_SH | LOCK_NB) != 0 else {
            flock(descriptor, LOCK_UN)
            return nil
        }
        return (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
