import Foundation
import PXConfig

/// A notification command (`command = [...]` in `[notify]`): run without a
/// shell, the notice's text on standard input, its own output discarded
/// (its first line of error output kept for the log), stopped after `timeout`.
///
/// its own exit status decides. It is spawned with `posix_spawn` in
/// a process group of its own and reaped by its pid, never with Foundation's
/// `Process`, whose exit detection waited for every descendant holding the
/// command's descriptors: a command that exits 0 at once but leaves a child
/// in the background was "no answer within 10 s", tried again, delivered
/// three times. Its error output is read with a bound and not waited for
/// past its exit; a command still running at the limit gets SIGTERM, then
/// SIGKILL two seconds later, with its whole group.
struct NoticeCommand: Sendable {
    let words: [String]
    let timeout: Int

    func run(input: String) async throws(NotifyError) {
        let program = words[0]
        // A bare name is looked for in PATH by /usr/bin/env, as a shell would.
        let arguments = program.contains("/") ? words : ["/usr/bin/env"] + words
        let child: Spawned
        do {
            child = try Spawned(arguments, input: Data(input.utf8))
        } catch {
            throw .cannotStart(error.description)
        }
        let status = await child.wait(upTo: .seconds(timeout))
        guard let status else {
            // Stopped before this returns: a `pxscript notify` that exits next must not leave it running.
            await child.stop()
            throw .timedOut(seconds: timeout)
        }
        if status == 127, !program.contains("/") { throw .cannotStart("\(program) is not in PATH") }
        guard status == 0 else {
            await child.errorOutput.finished()
            throw .commandFailed(status: status, output: child.errorOutput.firstLine)
        }
    }
}

/// One spawned command: its pid (the leader of its own group), its input written and its error
/// output read on threads of their own, so no command blocks the courier.
private final class Spawned: Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    let pid: pid_t
    let errorOutput = ErrorOutput()

    init(_ arguments: [String], input: Data) throws(Failure) {
        // Close-on-exec at once: a process another thread spawns meanwhile must not inherit them (it would
        // hold the command's input open, and the command wait for its end). dup2 into 0 and 2 clears it there.
        var stdin: [Int32] = [0, 0], stderr: [Int32] = [0, 0]
        guard pipe(&stdin) == 0 else { throw Failure(description: String(cString: strerror(errno))) }
        guard pipe(&stderr) == 0 else {
            close(stdin[0]); close(stdin[1])
            throw Failure(description: String(cString: strerror(errno)))
        }
        for descriptor in stdin + stderr { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stderr[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own group (stopped whole), no signal blocked, and the signals pxscript ignores or handles
        // (SIGPIPE, SIGTERM, SIGINT) back to their defaults: spawned from a thread that blocks most.
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, arguments[0], &actions, &attributes, argv, environ)
        close(stdin[0])
        close(stderr[1])
        guard result == 0 else {
            close(stdin[1]); close(stderr[0])
            throw Failure(description: "\(arguments[0]): \(String(cString: strerror(result)))")
        }
        pid = child
        let (inputEnd, errorEnd) = (stdin[1], stderr[0])
        Thread.detachNewThread {
            // A command that reads nothing closes its end: the write fails, which is its business. Its
            // SIGPIPE is blocked on this thread (and dropped with it), so the failed write ends no process:
            // pxscript ignores SIGPIPE, but a test process or another host of this library need not
            // (one was killed so, a command having exited before its input was written).
            var pipeSignal = sigset_t()
            sigemptyset(&pipeSignal)
            sigaddset(&pipeSignal, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
            input.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count, let base = buffer.baseAddress {
                    let written = write(inputEnd, base + offset, buffer.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
            close(inputEnd)
        }
        let output = errorOutput
        Thread.detachNewThread { output.collect(errorEnd) }
    }

    /// Its exit status, or nil when it did not exit within `limit` (reaped by its own pid only).
    func wait(upTo limit: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        var pause = Duration.milliseconds(5)
        while true {
            var status: Int32 = 0
            // blocking: WNOHANG returns at once; the waiting is the Task.sleep below.
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                // Its output is read for a moment more, not until a child it left behind closes it.
                errorOutput.end(after: .seconds(1))
                return Self.exitStatus(status)
            }
            if reaped < 0 { return 127 }
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(100))
        }
    }

    /// SIGTERM to its group, then SIGKILL to the group two seconds later (or as soon as the command
    /// itself has ended, for what it left behind); reaped. Its error output is no longer read.
    func stop() async {
        errorOutput.end(after: .zero)
        kill(-pid, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(2)
        var status: Int32 = 0
        // blocking: WNOHANG returns at once; the waiting is the Task.sleep.
        while waitpid(pid, &status, WNOHANG) != pid, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        kill(-pid, SIGKILL)
        // blocking: after SIGKILL the end is a matter of moments; WNOHANG again, a few tries.
        for _ in 0..<20 where waitpid(pid, &status, WNOHANG) == 0 { try? await Task.sleep(for: .milliseconds(10)) }
    }

    static func exitStatus(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }
}

/// The first line of a command's error output (at most 64 KiB kept; the rest drained unread),
/// read until the end of the output, or a moment after the command exited (`end(after:)`).
private final class ErrorOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()
    private var deadline: ContinuousClock.Instant?
    private var done = false

    /// Waits until the reading ended (the output closed, or the moment after the exit passed).
    func finished() async {
        while !lock.withLock({ done }) { try? await Task.sleep(for: .milliseconds(10)) }
    }

    func end(after grace: Duration) { lock.withLock { deadline = ContinuousClock.now + grace } }

    func collect(_ descriptor: Int32) {
        defer {
            close(descriptor)
            lock.withLock { done = true }
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            if let deadline = lock.withLock({ deadline }), ContinuousClock.now >= deadline { return }
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            // blocking: a reader thread of its own, waiting at most 200 ms at a time.
            guard poll(&ready, 1, 200) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, 4096) }
            if count <= 0 { return }
            lock.withLock { if bytes.count < 1 << 16 { bytes.append(contentsOf: buffer[0..<count]) } }
        }
    }

    var firstLine: String {
        lock.withLock {
            let text = String(decoding: bytes.prefix(1 << 16), as: UTF8.self)
            return String(text.split(separator: "\n").first ?? "").trimmingCharacters(in: .whitespaces).prefix(300).description
        }
    }
}
