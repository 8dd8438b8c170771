import Foundation

extension Process {
    /// Runs the process and waits for its exit without holding a thread: the termination
    /// handler resumes the caller (no `waitUntilExit` on an async path).
    /// - Returns: its exit status.
    public func runUntilExit() async throws -> Int32 {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            terminationHandler = { process in continuation.resume(returning: process.terminationStatus) }
            do {
                try run()
            } catch {
                terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }
}
