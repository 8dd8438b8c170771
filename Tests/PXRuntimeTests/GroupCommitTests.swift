import Foundation
import GRDB
@testable import PXRuntime
import PixiesetKit
import PixiesetModels
import Synchronization
import Testing

@Suite("Group commit: shared transactions, outcomes recorded without waiting")
struct GroupCommitTests {
    func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("commit-\(UUID().uuidString)-\(name)").path
    }

    /// The `send` row of `key`, read through a connection of its own (what another process sees).
    func committedState(_ path: String, key: String) throws -> String? {
        var readOnly = Configuration()
        readOnly.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: readOnly)
        defer { try? queue.close() }
        return try queue.read { db in try String.fetchOne(db, sql: "SELECT state FROM send WHERE send_key = ?", arguments: [key]) }
    }

    let now = Date(timeIntervalSince1970: 1_772_355_600)

    func message(_ id: String) -> Message {
        Message(
            id: id, conversationID: "conv_AAAAAAAAAAAA", content: "hi", sentAt: Timestamp(microseconds: 1_772_355_600_000_000),
            senderType: .photographer, senderID: nil, readAt: nil, attachments: [])
    }

    func reserve(_ store: StateStore, _ key: String) async throws -> OutboxEntry {
        let intent = SendIntent(conversationID: "conv_AAAAAAAAAAAA", content: key)
        guard case .proceed(let entry) = try await store.reserveSend(intent, key: key, explicitKey: true, now: now, day: "d", cap: 100) else {
            throw StateError("\(key) was not reserved")
        }
        return entry
    }

    @Test("an outcome not waited for is seen by the next reservation, reaches the file on its own, and is kept by close")
    func deferredOutcomes() async throws {
        let path = temporary("s.sqlite")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try StateStore(path: path)
        let failures = LockedList()

        // Queued behind it, a reservation of the same key finds it sent (not in flight).
        let first = try await reserve(store, "k:a")
        store.markSentSoon(first, message: message("msg_AAAAAAAAAAAA"), at: now) { failures.append("\($0)") }
        let again = try await store.reserveSend(
            SendIntent(conversationID: "conv_AAAAAAAAAAAA", content: "k:a"), key: "k:a", explicitKey: true, now: now, day: "d", cap: 100)
        guard case .alreadySent(let json) = again else {
            Issue.record("expected alreadySent, got \(again)")
            return
        }
        #expect(json.contains("msg_AAAAAAAAAAAA"))

        // With nothing else to ride with, it is committed within the flush delay.
        let second = try await reserve(store, "k:b")
        store.markSentSoon(second, message: message("msg_BBBBBBBBBBBB"), at: now) { failures.append("\($0)") }
        var state = try committedState(path, key: "k:b")
        for _ in 0..<50 where state != "sent" {
            try await Task.sleep(for: .milliseconds(20))
            state = try committedState(path, key: "k:b")
        }
        #expect(state == "sent")

        // Closing commits what is still queued.
        let third = try await reserve(store, "k:c")
        store.markSentSoon(third, message: message("msg_CCCCCCCCCCCC"), at: now) { failures.append("\($0)") }
        try store.close()
        #expect(try committedState(path, key: "k:c") == "sent")
        #expect(try StateStore(path: path).pendingSends().isEmpty)
        #expect(failures.items.isEmpty)
    }

    @Test("writes arriving together share commits; a write that fails half-way is undone alone")
    func sharedCommits() async throws {
        let path = temporary("g.sqlite")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let pool = try DatabasePool(path: path)
        try await pool.write { db in try db.execute(sql: "CREATE TABLE item (n INTEGER PRIMARY KEY)") }
        let commits = LockedList()
        pool.add(transactionObserver: CommitCounter(commits), extent: .databaseLifetime)
        let writes = GroupCommit(pool: pool)

        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for n in 1...40 {
                group.addTask {
                    do {
                        try await writes.write { db in
                            try db.execute(sql: "INSERT INTO item (n) VALUES (?)", arguments: [n])
                            // Every seventh fails after its insert: the insert must not survive.
                            if n % 7 == 0 { throw StateError("refused \(n)") }
                        }
                        return (n, true)
                    } catch {
                        return (n, false)
                    }
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        let stored = try await pool.read { db in try Int.fetchAll(db, sql: "SELECT n FROM item ORDER BY n") }
        #expect(stored == (1...40).filter { $0 % 7 != 0 })
        #expect(outcomes.filter { !$0.value }.keys.sorted() == [7, 14, 21, 28, 35])
        #expect(commits.items.count < 40, "\(commits.items.count) commits for 40 writes")
    }
}

/// Strings collected from several threads.
final class LockedList: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ item: String) { storage.withLock { $0.append(item) } }
    var items: [String] { storage.withLock { $0 } }
}

/// Counts the commits of a database.
final class CommitCounter: TransactionObserver {
    let commits: LockedList
    init(_ commits: LockedList) { self.commits = commits }
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) { commits.append("commit") }
    func databaseDidRollback(_ db: Database) {}
}
