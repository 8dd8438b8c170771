import Foundation

/// How long a test waits for something that is bound to happen: a guard against a hang, never a
/// measure of speed. Swift Testing runs the whole suite at once; on a two-core CI machine any one
/// test can be left unserved for tens of seconds while the others run, so a wait bounded by 5, 20
/// or 30 s fails a working build (a clean clone's CI did, twice). Every wait in the tests goes
/// through here; `scripts/test` bounds each stage in time besides and names the tests still under
/// way when it cuts one, so a real hang is still found. `PXSCRIPT_TEST_PATIENCE` (seconds) shortens
/// it while working on a test that is expected to fail.
public enum Patience {
    public static let seconds: Double = ProcessInfo.processInfo.environment["PXSCRIPT_TEST_PATIENCE"].flatMap(Double.init) ?? 300

    /// Waits until `condition` holds, looking every `every`; false if the patience ran out first.
    public static func wait(every: Duration = .milliseconds(20), _ condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while try !condition() {
            if ContinuousClock.now > deadline { return false }
            try? await Task.sleep(for: every)
        }
        return true
    }
}
