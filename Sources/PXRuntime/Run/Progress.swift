import Foundation
import PXState
import Synchronization

/// A progress line for bulk work on a terminal: count, rate and time left.
/// Made only when standard error is a terminal; pipes stay quiet.
final class Progress: Sendable {
    private struct State {
        var done = 0
        var lastDraw = 0.0
    }

    private let total: Int
    private let started = Date()
    private let state = Mutex(State())
    private let terminal: TerminalLine

    init(total: Int, terminal: TerminalLine = .standardError) {
        self.total = total
        self.terminal = terminal
    }

    func advance() {
        let line: String? = state.withLock { state in
            state.done += 1
            let now = Date().timeIntervalSince(started)
            guard now - state.lastDraw >= 0.1 || state.done == total else { return nil }
            state.lastDraw = now
            let rate = now > 0 ? Double(state.done) / now : 0
            let left = rate > 0 ? Double(total - state.done) / rate : 0
            let width = 24, filled = total > 0 ? width * state.done / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            return String(format: "[%@] %d/%d  %.1f/s  ETA %.0fs", bar, state.done, total, rate, left)
        }
        if let line { terminal.show(line) }
    }

    func finish() {
        terminal.clear()
    }
}
