import Foundation
import PXState

/// A daemon's courier at work: started over the daemon's states, and given
/// a few seconds at the end to deliver what is pending (the rest stays in
/// the states for the next start).
struct Delivery: Sendable {
    let courier: Courier?
    private let task: Task<Void, Never>?

    init(courier: Courier?, stores: [StateStore]) {
        self.courier = courier
        for store in stores { courier?.serve(store) }
        task = courier.map { courier in Task(executorPreference: StateThreads.shared) { await courier.run() } }
    }

    /// Stops the workers, then delivers what is pending for at most `limit`. Unstructured, so a
    /// cancelled daemon still gets its last notices out (a session that expired, for one).
    func finish(within limit: Duration = .seconds(3)) async {
        guard let courier, let task else { return }
        task.cancel()
        await task.value
        await Task(executorPreference: StateThreads.shared) { await courier.flush(within: limit) }.value
    }
}
