import Foundation
import PXRuntime
import PixiesetKit

/// An exclusive `flock` held while a daemon runs and released by the kernel
/// if it dies; the file names the holder (pid, state) for the refusal.
/// Two are taken (SPEC §6): one per state file, and, for a script that
/// handles messages, one per account (base URL and cookie), so two daemons
/// never answer the same clients.
final class DaemonLock {
    private let descriptor: Int32

    /// The lock beside a state file.
    convenience init(statePath: String) throws {
        try self.init(path: statePath + ".lock", holder: "pid \(getpid())") { holder in
            "another pxscript watch (\(holder)) is running on \(statePath); one daemon per state file"
        }
    }

    /// The lock of an account's message handling, under the state folder.
    /// The account is the normalised host and the session's own cookie pairs (`AccountIdentity`).
    static func account(baseURL: BaseURL, cookie: String, statePath: String, environment: [String: String]) throws -> DaemonLock {
        let folder = StatePath.folder(environment: environment)
        let digest = AccountIdentity.key(baseURL: baseURL, cookie: cookie)
        return try DaemonLock(path: folder + "/accounts/\(digest).lock", holder: "pid \(getpid()), state \(statePath)") { holder in
            "another pxscript watch (\(holder)) already answers messages for this account; one message-handling daemon per account"
        }
    }

    private init(path: String, holder: String, refusal: (String) -> String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure("cannot create \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let current = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(descriptor)
            throw Failure(refusal(current))
        }
        ftruncate(descriptor, 0)
        _ = holder.withCString { write(descriptor, $0, strlen($0)) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
