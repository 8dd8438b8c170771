import Foundation
import PixiesetKit
import PXState

/// An exclusive `flock` held while a daemon runs and released by the kernel
/// if it dies; the file names the holder (pid, state) for the refusal.
/// Two are taken (docs/spec.md §6): one per state file, and, for a script that
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
        guard descriptor >= 0 else {
            let code = errno
            throw StateError.cannotWrite(path: path, what: "create", errno: code)
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let current = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(descriptor)
            throw RuntimeError.state(refusal(current))
        }
        ftruncate(descriptor, 0)
        _ = holder.withCString { write(descriptor, $0, strlen($0)) }
    }

    /// Who holds the daemon lock of `statePath` ("pid 42, scripts a.lua b.lua"), or nil when no daemon runs on it.
    /// Read without touching the lock (a daemon starting at that instant must not find it taken):
    /// the file names its holder's pid, which is asked whether it still lives.
    public static func holder(statePath: String) -> String? {
        guard let text = try? String(contentsOfFile: statePath + ".lock", encoding: .utf8) else { return nil }
        let holder = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard holder.hasPrefix("pid "), let pid = Int32(holder.dropFirst(4).prefix { $0.isNumber }), pid > 0 else { return nil }
        return kill(pid, 0) == 0 || errno == EPERM ? holder : nil
    }

    deinit {
        // A daemon that ends leaves no holder named (`holder` reads the name, not the lock).
        ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
