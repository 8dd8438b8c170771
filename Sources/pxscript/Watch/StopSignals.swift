import Dispatch
import Foundation
import Synchronization

/// SIGINT and SIGTERM for the daemon (SPEC §6): the first asks it to stop
/// after the handlers in flight (within `deadline`), the second exits at
/// once. Either way the state is consistent: sends are recorded before they
/// are made and events are in the ledger before they are handled.
final class StopSignals {
    /// How many signals came, shared with the handlers on Dispatch's queue.
    private final class Count: Sendable {
        let value = Mutex(0)
    }

    private let count = Count()
    private let sources: [any DispatchSourceSignal]

    init(deadline: Duration = .seconds(30)) {
        var made: [any DispatchSourceSignal] = []
        let count = self.count
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let seen = count.value.withLock { value -> Int in
                    value += 1
                    return value
                }
                if seen >= 2 { _exit(130) }
                FileHandle.standardError.write(Data("stopping after the handlers in flight (again to stop at once)\n".utf8))
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(deadline.components.seconds * 1000))) { _exit(130) }
            }
            source.resume()
            made.append(source)
        }
        sources = made
    }

    var requested: Bool { count.value.withLock { $0 > 0 } }

    /// Sleeps `duration`, waking early when a stop is requested.
    func sleep(_ duration: Duration) async {
        let end = ContinuousClock.now + duration
        while !requested, ContinuousClock.now < end {
            try? await Task.sleep(for: min(.milliseconds(100), end - ContinuousClock.now))
        }
    }
}
