import Dispatch
import Foundation
import Synchronization

/// The second SIGINT or SIGTERM (docs/spec.md §6): the first starts the
/// `ServiceGroup`'s graceful shutdown (this only says so on stderr); the
/// second exits at once, without waiting for the handlers in flight. The
/// state stays consistent: sends are recorded before they are made, and an
/// event interrupted mid-handler is handled again at the next start.
final class ForcedStop {
    /// How many signals came, shared with the handlers on Dispatch's queue.
    private final class Count: Sendable {
        let value = Mutex(0)
    }

    private let sources: [any DispatchSourceSignal]

    init() {
        let count = Count()
        sources = [SIGINT, SIGTERM].map { number in
            // Beside the ServiceGroup's own sources for the same signals (Dispatch tells each one).
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let seen = count.value.withLock { value -> Int in
                    value += 1
                    return value
                }
                if seen >= 2 { _exit(130) }
                FileHandle.standardError.write(Data("stopping: the handlers at work finish first (press Ctrl-C again to stop at once)\n".utf8))
            }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }
}
