import Synchronization

/// The parts of a running sandbox that tests and `/_sandbox/` change while
/// it serves: faults (with their generator), quirks, and what it observed.
public final class SandboxControls: Sendable {
    fileprivate struct FaultState {
        var plan: FaultPlan
        var random: SeededRandom
    }

    private let faultState: Mutex<FaultState>
    private let quirkState: Mutex<Quirks>
    private let cookieOnStorage = Atomic<Int>(0)
    private let apiCalls = Atomic<Int>(0)

    init(faults: FaultPlan, quirks: Quirks) {
        faultState = Mutex(FaultState(plan: faults, random: SeededRandom(seed: faults.seed)))
        quirkState = Mutex(quirks)
    }

    /// The fault plan in force.
    public var faults: FaultPlan { faultState.withLock { $0.plan } }

    /// Replaces the fault plan and restarts its generator from its seed.
    public func setFaults(_ plan: FaultPlan) {
        faultState.withLock { $0 = FaultState(plan: plan, random: SeededRandom(seed: plan.seed)) }
    }

    /// Holds the faults off for a while (the simulator's clean moments); `resume` puts back what
    /// was in force, its generator where it was, so what follows draws as it would have.
    public func holdFaults() -> HeldFaults {
        faultState.withLock { state in
            defer { state = FaultState(plan: .none, random: SeededRandom(seed: 0)) }
            return HeldFaults(state: state)
        }
    }

    public func resume(_ held: HeldFaults) { faultState.withLock { $0 = held.state } }

    /// The quirks in force.
    public var quirks: Quirks { quirkState.withLock { $0 } }

    public func setQuirks(_ quirks: Quirks) { quirkState.withLock { $0 = quirks } }

    /// How many storage requests (uploads, downloads) carried the session
    /// cookie. The cookie belongs to the API host only; a client that sends
    /// it to storage leaks it, and tests check this stays 0.
    public var storageRequestsWithCookie: Int { cookieOnStorage.load(ordering: .relaxed) }

    func noteCookieOnStorage() { cookieOnStorage.add(1, ordering: .relaxed) }

    /// How many calls reached `/api/v1` (faulted ones included): what a
    /// poller's cost is measured in.
    public var apiRequests: Int { apiCalls.load(ordering: .relaxed) }

    func noteAPIRequest() { apiCalls.add(1, ordering: .relaxed) }

    /// What happens to one API call, drawn from the plan.
    struct Decision {
        enum Outcome { case pass, error, throttle, expire(FaultPlan.Expiry) }
        var latency: Duration
        var outcome: Outcome
        var errorAfterCommit: Bool
        var garbled: Bool
        var retryAfter: Int
    }

    func decide(isSend: Bool, isDetail: Bool = false) -> Decision {
        faultState.withLock { state in
            let plan = state.plan
            var outcome = Decision.Outcome.pass
            if let expire = plan.expire {
                outcome = .expire(expire)
            } else if plan.error > 0, state.random.unit() < plan.error {
                outcome = .error
            } else if plan.throttle > 0, state.random.unit() < plan.throttle {
                outcome = .throttle
            }
            let afterCommit = isSend && plan.errorAfterCommit > 0 && state.random.unit() < plan.errorAfterCommit
            let garbled = plan.garbled > 0 && state.random.unit() < plan.garbled
            let slow = isDetail && plan.slow > 0 && state.random.unit() < plan.slow
            return Decision(
                latency: plan.latency + (slow ? plan.slowLatency : .zero), outcome: outcome, errorAfterCommit: afterCommit, garbled: garbled, retryAfter: plan.retryAfter)
        }
    }
}

/// Faults held off by `SandboxControls.holdFaults`.
public struct HeldFaults: Sendable {
    fileprivate let state: SandboxControls.FaultState
}
