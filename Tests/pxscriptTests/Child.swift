import Foundation
import Synchronization

/// A child process started with `posix_spawn`, its output read with plain
/// `read(2)` calls that retry on EINTR.
///
/// Foundation's `Process` and `FileHandle` were not up to these tests on
/// Linux: CI saw a crash inside `Process.run` while several suites launched
/// processes, and a `try!` inside `FileHandle` failing with EINTR while
/// children exited around it.
final class Child: Sendable {
    /// What the child wrote, shared with the reading threads.
    private final class Output: Sendable {
        let bytes = Mutex<(stdout: [UInt8], stderr: [UInt8])>(([], []))
    }

    private static let creating = NSLock()

    let pid: pid_t
    private let output = Output()
    private let readers: DispatchGroup
    private let status = Mutex<Int32?>(nil)

    /// - Parameter capture: read stdout and stderr (otherwise they go to /dev/null).
    init(_ executable: String, _ arguments: [String], environment: [String: String], capture: Bool = true) throws {
        // One child is made at a time, so no other spawn sees these pipes before they are close-on-exec.
        Child.creating.lock()
        defer { Child.creating.unlock() }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        if capture {
            // Close-on-exec, so that children spawned meanwhile by other tests do not
            // inherit these pipes (and hold them open past this child's exit).
            guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw POSIXError(.EMFILE) }
            for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
            posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // No signal blocked and none ignored, as from a shell: a test thread blocks most (NIO's and the
        // pool's threads do), and a child spawned from it inherited a blocked SIGTERM, so its `kill`
        // did nothing (the hostile servers of DecodeMemoryTests outlived every run).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let spawned = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        if capture { close(outPipe[1]); close(errPipe[1]) }
        guard spawned == 0 else {
            if capture { close(outPipe[0]); close(errPipe[0]) }
            throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .ENOENT)
        }
        pid = child
        readers = DispatchGroup()
        if capture {
            for (fd, isOut) in [(outPipe[0], true), (errPipe[0], false)] {
                readers.enter()
                // A thread of its own: a long-lived child (a sandbox server) would
                // otherwise hold one of Dispatch's few worker threads for the whole test.
                Thread.detachNewThread { [output, readers] in
                    var buffer = [UInt8](repeating: 0, count: 65_536)
                    while true {
                        let count = read(fd, &buffer, buffer.count)
                        if count < 0 && errno == EINTR { continue }
                        if count <= 0 { break }
                        output.bytes.withLock { if isOut { $0.stdout += buffer[0..<count] } else { $0.stderr += buffer[0..<count] } }
                    }
                    close(fd)
                    readers.leave()
                }
            }
        }
    }

    /// Waits for the child to end without holding a thread of the test's pool (it looks every
    /// 10 ms): its exit status, or 128 + the signal that ended it.
    @discardableResult
    func exited() async -> Int32 {
        while isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        return wait()
    }

    /// Waits for the child to end, blocking the calling thread; its exit status, or 128 + the
    /// signal that ended it. From async code use `exited()`.
    @discardableResult
    func wait() -> Int32 {
        if let known = status.withLock({ $0 }) { return known }
        var raw: Int32 = 0
        // Its `ru_maxrss` would be this process's high-water mark, taken over at exec: `measuredPxscript` measures memory.
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        readers.wait()
        let code = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        status.withLock { $0 = code }
        return code
    }

    /// Whether it has ended (reaping it if so).
    var isRunning: Bool {
        if status.withLock({ $0 }) != nil { return false }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        guard result == pid else { return result == 0 }
        readers.wait()
        status.withLock { $0 = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f) }
        return false
    }

    func signal(_ number: Int32) { kill(pid, number) }

    var stdout: String { output.bytes.withLock { String(decoding: $0.stdout, as: UTF8.self) } }
    var stderr: String { output.bytes.withLock { String(decoding: $0.stderr, as: UTF8.self) } }
}
