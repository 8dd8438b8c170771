import PXRuntime
@testable import PXState
import Testing

@Suite("DurationText")
struct DurationTextTests {
    @Test("durations are written back the way scripts write them", arguments: [
        (5400.0, "1h30m"), (45, "45s"), (120, "2m"), (0.2, "0.2s"), (1.5, "1.5s"), (0, "0s"), (0.96, "1s"), (86_401, "1d1s"),
    ])
    func format(seconds: Double, text: String) {
        #expect(DurationText.format(seconds) == text)
        #expect(DurationText.seconds(text) == (seconds * 10).rounded() / 10)
    }
}
