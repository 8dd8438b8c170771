import Foundation
import Synchronization
import TestSupport

/// `pxscript` run on a pseudo-terminal, as a photographer runs it: standard
/// input, output and error are the terminal, so `isatty` is true and what
/// the program echoes is what the screen would show.
final class PTYChild: @unchecked Sendable {
    let pid: pid_t
    private let master: Int32
    private final class Screen: Sendable { let bytes = Mutex<[UInt8]>([]) }
    private let screen = Screen()
    private let reader = DispatchGroup()

    init(_ arguments: [String], environment: [String: String]) throws {
        // libc has them, but Swift's Glibc module does not declare them (they need _XOPEN_SOURCE).
        typealias Open = @convention(c) (Int32) -> Int32
        typealias OnFD = @convention(c) (Int32) -> Int32
        typealias Name = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
        func symbol<T>(_ name: String, _ type: T.Type) throws -> T {
            guard let found = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { throw POSIXError(.ENOSYS) }
            return unsafeBitCast(found, to: type)
        }
        let openpt = try symbol("posix_openpt", Open.self), grant = try symbol("grantpt", OnFD.self)
        let unlock = try symbol("unlockpt", OnFD.self), ptsname = try symbol("ptsname", Name.self)
        master = openpt(O_RDWR | O_NOCTTY)
        guard master >= 0, grant(master) == 0, unlock(master) == 0, let name = ptsname(master) else { throw POSIXError(.ENOTTY) }
        let slave = open(String(cString: name), O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw POSIXError(.ENOTTY) }
        defer { close(slave) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for target in [Int32(0), 1, 2] { posix_spawn_file_actions_adddup2(&actions, slave, target) }
        posix_spawn_file_actions_addclose(&actions, master)
        let argv = ([pxscriptBinary.path] + arguments).map { strdup($0) } + [nil]
        let envp = childEnvironment(environment.mapValues { Optional($0) }).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, pxscriptBinary.path, &actions, nil, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        pid = child
        reader.enter()
        Thread.detachNewThread { [master, screen, reader] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(master, &buffer, buffer.count)
                if count > 0 { screen.bytes.withLock { $0 += buffer[0..<count] }; continue }
                if count < 0 && errno == EINTR { continue }
                break
            }
            reader.leave()
        }
    }

    /// Everything shown on the terminal so far.
    var shown: String { screen.bytes.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Types (or pastes) `text` at the terminal.
    func type(_ text: String) {
        var bytes = Array(text.utf8)
        _ = write(master, &bytes, bytes.count)
    }

    /// Waits until the terminal shows `text` (bounded only against a hang: `Patience`).
    func waitFor(_ text: String) async throws -> Bool {
        await Patience.wait { shown.contains(text) }
    }

    /// Waits for the exit without holding a thread of the test's pool (it looks every 10 ms); returns the status.
    func exited() async -> Int32 {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result < 0 && errno != EINTR) { break }
            try? await Task.sleep(for: .milliseconds(10))
        }
        // The reader thread sees the end of the terminal's output soon after the exit.
        _ = await Patience.wait(every: .milliseconds(10)) { reader.wait(timeout: .now()) != .timedOut }
        close(master)
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}
