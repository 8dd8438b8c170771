import PXState
import Synchronization

/// Tries of events that a local fault used up: `beginHandling` counts a try before the
/// handler runs, so a crash that repeats is parked in the end; a lock or a full disk is nobody's
/// fault and gives the try back. When the state cannot take even that, it is owed here and given
/// back before the loop handles anything again, so no client's message is parked for a disk.
final class AttemptRefunds: Sendable {
    private let owed = Mutex<Set<String>>([])

    /// Gives back one try of each of `ids`, now or, when the state cannot be written, later.
    func give(_ ids: [String], on store: StateStore) async {
        do {
            try await store.ledger.refundAttempts(ids)
        } catch {
            owed.withLock { $0.formUnion(ids) }
        }
    }

    /// Gives back what is owed; throws (keeping it owed) while the state cannot be written.
    func settle(on store: StateStore) async throws {
        let ids = owed.withLock { owed -> [String] in
            defer { owed = [] }
            return Array(owed)
        }
        guard !ids.isEmpty else { return }
        do {
            try await store.ledger.refundAttempts(ids)
        } catch {
            owed.withLock { $0.formUnion(ids) }
            throw error
        }
    }
}
