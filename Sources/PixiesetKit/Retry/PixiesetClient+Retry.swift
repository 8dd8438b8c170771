import Logging

/// One step of a retried operation: finished, or worth another attempt.
enum RetryStep<Value: Sendable>: Sendable {
    case done(Value)
    case again(reason: RetryReason, retryAfter: Duration?, detail: String)
}

extension PixiesetClient {
    /// The one retry loop of the client (reads, sends, uploads): backoff
    /// with full jitter or `Retry-After`, within the policy's attempts and
    /// deadline; then the final error for the last failure.
    func retrying<Value: Sendable>(_ label: @autoclosure () -> String, _ step: (_ attempt: Int) async throws -> RetryStep<Value>)
        async throws -> Value
    {
        var rng = SystemRandomNumberGenerator()
        let started = ContinuousClock.now
        var attempt = 1
        while true {
            switch try await step(attempt) {
            case .done(let value):
                return value
            case .again(let reason, let retryAfter, let detail):
                let delay = configuration.retry.delay(beforeRetry: attempt, retryAfter: retryAfter, using: &rng)
                guard attempt < configuration.retry.maxAttempts, ContinuousClock.now - started + delay < configuration.retry.deadline else {
                    throw finalError(reason: reason, attempts: attempt, detail: detail)
                }
                logger.debug("\(redactor.redact(label())): \(detail); retry \(attempt) in \(delay)")
                try await configuration.pause(delay)
                attempt += 1
            }
        }
    }
}
