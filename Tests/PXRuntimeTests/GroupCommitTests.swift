import Foundation
import GRDB
import PixiesetKit
import PixiesetModels
@testable import PXRuntime
@testable import PXState
import Synchronization
import Testing

@Suite("Group commit: shared transactions")
struct GroupCommitTests {
    func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("commit-\(UUID().uuidString)-\(name)").path
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
                            if n % 7 == 0 { throw StateError.failed("refused \(n)") }
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
