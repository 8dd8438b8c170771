import Foundation

/// Another process (Python's sqlite3) holding a state's write lock (`BEGIN IMMEDIATE`) until
/// `release`: what a backup or a long `sqlite3` session does to a state (issue 33).
///
/// Spawned with `posix_spawn` and reaped by its own pid, never with Foundation's `Process`,
/// whose child monitoring does not mix with the tests' own spawned children in one process.
public final class StateLock: Sendable {
    private let pid: pid_t
    private let marker: String

    /// Returns once the lock is held.
    public init(state: String) async throws {
        marker = state + ".lock-\(UUID().uuidString.prefix(8))"
        let program = """
            import os, sqlite3, sys, time
            connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
            connection.execute("BEGIN IMMEDIATE")
            open(sys.argv[2] + ".held", "w").close()
            while not os.path.exists(sys.argv[2] + ".release"):
                time.sleep(0.02)
            connection.execute("ROLLBACK")
            """
        let arguments = ["/usr/bin/env", "python3", "-c", program, state, marker]
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var child: pid_t = 0
        guard posix_spawn(&child, arguments[0], nil, nil, argv, envp) == 0 else { throw CocoaError(.executableLoad) }
        pid = child
        _ = await Patience.wait { FileManager.default.fileExists(atPath: marker + ".held") || !Self.running(child) }
        guard FileManager.default.fileExists(atPath: marker + ".held") else { throw CocoaError(.fileReadUnknown) }
    }

    /// Lets the lock go and waits for the process to end.
    public func release() async {
        FileManager.default.createFile(atPath: marker + ".release", contents: nil)
        while Self.running(pid) { try? await Task.sleep(for: .milliseconds(10)) }
        for suffix in [".held", ".release"] { try? FileManager.default.removeItem(atPath: marker + suffix) }
    }

    /// Whether `pid` still runs (reaping it once it ended).
    private static func running(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }
}
