import Foundation
import GRDB
import PixiesetKit
import PXRuntime
@testable import PXState
import Testing

@Suite("The state file")
struct StateStoreTests {
    func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)-\(name)").path
    }

    @Test("a scenario's scratch state is written without syncing to disk; a real one, and one in a folder that only starts alike, syncs (synchronous NORMAL)")
    func scratchStates() throws {
        let folder = temporary("scratch"), lookalike = folder + "-not"
        defer { for path in [folder, lookalike] { try? FileManager.default.removeItem(atPath: path) } }
        StateStore.markScratch(folder: folder)
        defer { StateStore.unmarkScratch(folder: folder) }
        func synchronous(_ path: String) throws -> Int? {
            let store = try StateStore(path: path)
            defer { try? store.close() }
            return try store.pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        }
        #expect(try synchronous(folder + "/state.sqlite") == 0)
        #expect(try synchronous(lookalike + "/state.sqlite") == 1)
        #expect(try synchronous(temporary("real.sqlite")) == 1)
        // The root, or no folder, marks nothing (every state would be scratch).
        StateStore.markScratch(folder: "/")
        StateStore.markScratch(folder: "")
        #expect(try synchronous(temporary("still-real.sqlite")) == 1)
    }

    @Test("a foreign SQLite file or a corrupt one is refused and left exactly as it was")
    func foreignAndCorrupt() throws {
        let foreign = temporary("foreign.sqlite")
        defer { try? FileManager.default.removeItem(atPath: foreign) }
        try DatabaseQueue(path: foreign).write { db in try db.execute(sql: "CREATE TABLE photos (id INTEGER PRIMARY KEY)") }
        let before = try Data(contentsOf: URL(fileURLWithPath: foreign))
        #expect { try StateStore(path: foreign) } throws: { "\($0)".contains("not a pxscript state file") }
        #expect(try Data(contentsOf: URL(fileURLWithPath: foreign)) == before)

        let corrupt = temporary("corrupt.sqlite")
        defer { try? FileManager.default.removeItem(atPath: corrupt) }
        let garbage = Data(repeating: 0x5A, count: 8192)
        try garbage.write(to: URL(fileURLWithPath: corrupt))
        #expect { try StateStore(path: corrupt) } throws: { "\($0)".contains("not a readable state file") }
        #expect(try Data(contentsOf: URL(fileURLWithPath: corrupt)) == garbage)
    }

    @Test("an empty file where a state was is refused and left empty; a new state is made whole or not at all")
    func emptyFile() throws {
        let empty = temporary("empty.sqlite")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        FileManager.default.createFile(atPath: empty, contents: Data())
        #expect { try StateStore(path: empty) } throws: { "\($0)".contains("is empty, not a state file") && "\($0)".contains("remove it") }
        #expect(try FileManager.default.attributesOfItem(atPath: empty)[.size] as? Int == 0)
        let folder = (empty as NSString).deletingLastPathComponent
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains((empty as NSString).lastPathComponent + ".new-") }
        #expect(leftovers.isEmpty)
    }

    @Test("first runs racing on one new state all open it: no 'database is locked', one file, migrated")
    func racingFirstRuns() async throws {
        for round in 0..<25 {
            let path = temporary("race-\(round).sqlite")
            defer { for file in [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) } }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        let store = try StateStore(path: path)
                        try store.kept.setValue("1", forKey: "k")
                        try store.close()
                    }
                }
                try await group.waitForAll()
            }
            let store = try StateStore(path: path)
            #expect(try store.kept.value(forKey: "k") == "1")
            try store.close()
        }
    }

    @Test("a reservation is refused at the cap and by pause; a forgotten send gives its place back")
    func reservations() async throws {
        let path = temporary("s.sqlite")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try StateStore(path: path)
        let now = Date(timeIntervalSince1970: 1_772_355_600)
        let first = SendIntent(conversationID: "conv_AAAAAAAAAAAA", content: "one")
        guard case .proceed(let entry) = try await store.sends.reserve(first, key: "k:a", explicitKey: true, now: now, day: "d", cap: 1) else {
            Issue.record("not reserved")
            return
        }
        // The same key while the first is pending is in flight; another is over the cap.
        guard case .inFlight = try await store.sends.reserve(first, key: "k:a", explicitKey: true, now: now, day: "d", cap: 1) else {
            Issue.record("a pending key must block")
            return
        }
        await #expect(throws: SendRefusal.cap(limit: 1, day: "d")) {
            _ = try await store.sends.reserve(first, key: "k:b", explicitKey: true, now: now, day: "d", cap: 1)
        }
        try await store.sends.abandonSend(entry, reason: "refused by the API", at: now)
        #expect(try store.sends.sendCount(day: "d") == 0)
        try store.settings.setPaused(true, at: now)
        await #expect(throws: SendRefusal.paused) {
            _ = try await store.sends.reserve(first, key: "k:b", explicitKey: true, now: now, day: "d", cap: 1)
        }
        #expect(try store.journal.tail(limit: 5).map(\.kind) == ["failed", "paused"])
    }
}

/// Issue 28: a state holds client names and texts: it is its user's alone.
@Suite("State files are private")
struct PrivateStateTests {
    static func mode(_ path: String) -> Int? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue
    }

    @Test("a new state, its -wal and -shm are 0600 whatever the umask; one that others could read is made private when opened")
    func privateModes() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("private-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/state.sqlite"
        let store = try StateStore(path: path)
        try store.kept.setValue("\"Ann\"", forKey: "client")
        for file in [path, path + "-wal", path + "-shm"] { #expect(Self.mode(file) == 0o600, "\(file): \(String(Self.mode(file) ?? 0, radix: 8))") }
        try store.close()
        chmod(path, 0o644)
        chmod(path + "-wal", 0o644)
        FileManager.default.createFile(atPath: path + ".lock", contents: Data("pid 1".utf8), attributes: [.posixPermissions: 0o644])
        let reopened = try StateStore(path: path)
        #expect(Self.mode(path) == 0o600 && Self.mode(path + "-wal") == 0o600 && Self.mode(path + ".lock") == 0o600)
        try reopened.close()
    }
}
