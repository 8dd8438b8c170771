import Synchronization

/// Tries in a row that met the studio's trouble (`StudioTrouble`), by conversation: the wait before
/// the next grows with them. This daemon's memory: a restart starts over.
final class TroubleStreaks: Sendable {
    private let streaks = Mutex<[String: Int]>([:])

    /// One more try in a row met trouble in `conversationID`; how many now.
    func met(in conversationID: String) -> Int {
        streaks.withLock { streaks in
            let count = (streaks[conversationID] ?? 0) + 1
            streaks[conversationID] = count
            return count
        }
    }

    /// The studio answered for `conversationID` (the try may still fail for its own reasons).
    func passed(in conversationID: String) { _ = streaks.withLock { $0.removeValue(forKey: conversationID) } }
}
