import PXRuntime
@testable import PXState
import Synchronization
import Testing

@Suite("The terminal's progress line and log lines")
struct TerminalLineTests {
    @Test("a log line goes above the progress line, which is drawn again; none is written into it")
    func logAboveProgress() {
        let written = Mutex<[String]>([])
        let terminal = TerminalLine { text in written.withLock { $0.append(text) } }
        terminal.line("info: before")
        terminal.show("[####    ] 2/6")
        terminal.line("info: sent msg_1")
        terminal.show("[########] 6/6")
        terminal.clear()
        terminal.clear()
        terminal.line("info: after")
        #expect(written.withLock { $0 } == [
            "info: before\n",
            "\r[####    ] 2/6\u{1B}[K",
            "\r\u{1B}[Kinfo: sent msg_1\n\r[####    ] 2/6\u{1B}[K",
            "\r[########] 6/6\u{1B}[K",
            "\r\u{1B}[K",
            "info: after\n",
        ])
    }
}
