import Foundation
import GRDB
import Synchronization

/// The studio messages pxscript sent on this machine, from any script and
/// state (docs/spec.md §4 "Automated vs personal"): a record beside the states
/// (`automated.sqlite` in the state folder), filled from the `send` tables
/// of the state files there and kept up to date the same way.
///
/// It tells a follow-up that a client's inquiry answered only by an
/// auto-acknowledgement is still waiting on the studio, and tells `watch`
/// which "client" messages are its own (the loop guard). Message ids are
/// unique across accounts, so one record serves every account.
public final class AutomatedMessages: Sendable {
    /// `PRAGMA application_id` of the record ("PXAM").
    package static let applicationID: Int32 = 0x5058_414D
    public static let fileName = "automated.sqlite"
    /// How often the state files are looked at again (a watch polls more often).
    package static let refreshInterval: Duration = .seconds(5)

    private let folder: String
    private let ownState: String?
    private let create: Bool
    /// Opened on first use: most runs never ask (a start-up cost otherwise).
    private let opened = Mutex<DatabaseQueue?>(nil)
    /// This process's own sends, known at once (the record learns them at the next refresh).
    private let noted = Mutex<Set<String>>([])
    private let refreshed = Mutex<ContinuousClock.Instant?>(nil)

    /// The record in `folder`, opened when first needed (created unless
    /// `create` is false: a dry run, which keeps a record that does not exist
    /// yet in memory). `ownState` is read as well when it lives elsewhere
    /// (`--state PATH`).
    public init(folder: String, ownState: String? = nil, create: Bool = true) {
        self.folder = folder
        self.ownState = ownState
        self.create = create
    }

    /// The record, opening it the first time.
    private func queue() throws -> DatabaseQueue {
        try opened.withLock { opened in
            if let queue = opened { return queue }
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            let path = folder + "/" + Self.fileName
            let queue: DatabaseQueue
            if create || FileManager.default.fileExists(atPath: path) {
                try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                PrivateFiles.create(path)
                PrivateFiles.restrict([path, path + "-wal", path + "-shm", path + "-journal"])
                queue = try DatabaseQueue(path: path, configuration: configuration)
            } else {
                queue = try DatabaseQueue(configuration: configuration)
            }
            try queue.write { db in
                let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                if id == 0 {
                    try db.execute(sql: """
                        PRAGMA application_id = \(Self.applicationID);
                        CREATE TABLE IF NOT EXISTS automated_message (
                            message_id TEXT PRIMARY KEY,
                            conversation_id TEXT NOT NULL,
                            sent_at REAL
                        );
                        CREATE TABLE IF NOT EXISTS synced_state (
                            path TEXT PRIMARY KEY,
                            next_send_id INTEGER NOT NULL
                        );
                        """)
                } else if id != Self.applicationID {
                    throw StateError.notOurs(
                        path: "\(folder)/\(Self.fileName)", reason: "\(folder)/\(Self.fileName) is not pxscript's record of automated messages; refusing to touch it")
                }
            }
            opened = queue
            return queue
        }
    }

    /// Records a message this process just sent.
    public func note(_ messageID: String) { noted.withLock { _ = $0.insert(messageID) } }

    /// Which of `ids` pxscript sent (refreshing from the state files at most every few seconds).
    public func automated(among ids: [String]) -> Set<String> {
        guard !ids.isEmpty else { return [] }
        refreshIfDue()
        let own = noted.withLock { $0 }
        var found = Set(ids.filter(own.contains))
        let rest = ids.filter { !found.contains($0) }
        guard !rest.isEmpty else { return found }
        let stored = (try? queue().read { db in
            try QueryPieces.slices(rest).flatMap { try AutomatedMessageRow.fetchAll(db, keys: $0).map(\.messageID) }
        }) ?? []
        found.formUnion(stored)
        return found
    }

    /// Reads the sends of every state file in the folder (and the own one)
    /// that the record has not seen yet.
    public func refresh() {
        refreshed.withLock { $0 = ContinuousClock.now }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".sqlite") && $0 != Self.fileName }
            .map { folder + "/" + $0 } + (ownState.map { [$0] } ?? [])
        for path in Set(files) { try? sync(from: path) }
    }

    private func refreshIfDue() {
        let due = refreshed.withLock { last in last.map { ContinuousClock.now - $0 > Self.refreshInterval } ?? true }
        if due { refresh() }
    }

    /// New sent rows of one state file: from the oldest row still pending
    /// (it may be sent later) or past the newest one seen.
    private func sync(from path: String) throws {
        let queue = try queue()
        let start = try queue.read { db in try SyncedStateRow.fetchOne(db, key: path)?.nextSendID } ?? 0
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(2)
        let state = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? state.close() }
        let (sends, next): ([SendTable.Copied], Int64) = try state.read { db in
            guard try Int32.fetchOne(db, sql: "PRAGMA application_id") == StateStore.applicationID else { return ([], start) }
            let sends = try SendTable.sends(from: start, db)
            // Read again from the first pending one: it may be settled by then.
            let pending = sends.first(where: \.pending)?.id
            return (sends, pending ?? (sends.last.map { $0.id + 1 } ?? start))
        }
        try queue.write { db in
            for send in sends {
                guard let id = send.messageID else { continue }
                try AutomatedMessageRow(messageID: id, conversationID: send.conversationID, sentAt: send.sentAt.map(Date.init(timeIntervalSince1970:)))
                    .insert(db, onConflict: .ignore)
            }
            try SyncedStateRow(path: path, nextSendID: next).insert(db, onConflict: .replace)
        }
    }
}
