import Foundation

/// A notification command (`command = [...]` in `[notify]`): run without a
/// shell, the notice's text on standard input, its own output discarded
/// (its first line of error output kept for the log), stopped after `timeout`.
struct NoticeCommand: Sendable {
    let words: [String]
    let timeout: Int

    func run(input: String) async throws(NotifyError) {
        let process = Process()
        let program = words[0]
        if program.contains("/") {
            process.executableURL = URL(fileURLWithPath: program)
        } else {
            // A bare name is looked for in PATH by /usr/bin/env, as a shell would.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        }
        process.arguments = program.contains("/") ? Array(words.dropFirst()) : words
        let stdin = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        let ended = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { ended.continuation.yield($0.terminationStatus); ended.continuation.finish() }
        do {
            try process.run()
        } catch {
            throw .cannotStart((error as NSError).localizedDescription)
        }
        // Written and read off this task: a command that reads nothing, or writes a lot, cannot block the courier.
        let text = Data(input.utf8)
        Thread.detachNewThread {
            try? stdin.fileHandleForWriting.write(contentsOf: text)
            try? stdin.fileHandleForWriting.close()
        }
        let errorOutput = ErrorOutput()
        Thread.detachNewThread { errorOutput.read(stderr.fileHandleForReading) }
        let status: Int32? = await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await status in ended.stream { return status }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(timeout))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let status else {
            process.terminate()
            throw .timedOut(seconds: timeout)
        }
        if status == 127, !program.contains("/") { throw .cannotStart("\(program) is not in PATH") }
        guard status == 0 else { throw .commandFailed(status: status, output: errorOutput.firstLine) }
    }
}

/// The first line of a command's error output (at most 64 KiB read; the rest drained unread).
private final class ErrorOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()

    func read(_ handle: FileHandle) {
        while let chunk = try? handle.read(upToCount: 4096), !chunk.isEmpty {
            lock.withLock { if bytes.count < 1 << 16 { bytes.append(chunk) } }
        }
    }

    var firstLine: String {
        lock.withLock {
            let text = String(decoding: bytes.prefix(1 << 16), as: UTF8.self)
            return String(text.split(separator: "\n").first ?? "").trimmingCharacters(in: .whitespaces).prefix(300).description
        }
    }
}
