import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// The durable state of one script on one account (docs/spec.md §5 "State"): send
/// keys and the outbox, `px.store`, `px.once`, the journal, daily send
/// counts and the pause flag, in one SQLite file (WAL) owned by one
/// `DatabasePool`. It opens, creates, copies and closes the file; the work
/// on it is done by its jobs (`ledger`, `schedules`, `sends`, `approvals`,
/// `notices`, `journal`, `settings`, `kept`), each over its own tables,
/// read and written as records (`Records/`). Every operation is one
/// transaction.
///
/// `run`, `watch`, `status`, `pause` and `resume` open the same file;
/// SQLite's locking keeps concurrent processes consistent, and the
/// `Outbox`'s send lease lets one process send at a time (decision 0007).
public final class StateStore: Sendable {
    /// `PRAGMA application_id` of a state file ("PXST"): a foreign SQLite
    /// file is refused, never migrated into or reset.
    package static let applicationID: Int32 = 0x5058_5354

    /// Read synchronously only (`pool.read { }`, never `await pool.read`): GRDB's async read keeps its
    /// reader until the awaiting task resumes on its own executor, and a synchronous read waiting there
    /// for a free reader then waits forever (the daemon's handlers share one thread: a hang seen in CI).
    /// Async writes keep nothing past their closure.
    package let pool: DatabasePool
    /// The ledger's writes, grouped into shared commits.
    package let writes: GroupCommit
    /// Sends: the lease, the log and the holder's view (decision 0007).
    package let outbox: Outbox
    /// The jobs of the state, each over its own tables of the shared database.
    public let ledger: Ledger
    public let schedules: Schedules
    public let sends: Sends
    public let approvals: Approvals
    public let notices: Notices
    public let journal: Journal
    public let settings: Settings
    /// `px.store`, `px.once` and the holds on their keys.
    public let kept: KeptValues
    public let path: String
    /// How long its writes wait for another process's lock.
    public let busyTimeout: Double
    /// The folder the state belongs in: its own, or for a dry run's copy the
    /// real state's (where the record of automated messages is read).
    public let home: String

    /// Opens the state at `path`, creating it (and its folder) when missing.
    /// - Parameter home: the folder it belongs in, when it is a copy of a state elsewhere.
    /// - Throws: `StateError` for a foreign, corrupt or unwritable file.
    /// How long a write waits for another process's lock on the state before that is a local
    /// fault: 10 s, or `PXSCRIPT_BUSY_TIMEOUT` seconds (a slow network disk may want
    /// more; tests use less).
    public static let busyTimeout: Double = {
        guard let text = ProcessInfo.processInfo.environment["PXSCRIPT_BUSY_TIMEOUT"], let seconds = Double(text), seconds.isFinite else { return 10 }
        return min(max(seconds, 0.01), 600)
    }()

    /// Folders whose states are scratch (`pxscript test`'s scenarios, thrown away with them): written
    /// without syncing to disk, so a virtual month is CPU work. A real state is never under one.
    private static let scratchFolders = Mutex<Set<String>>([])

    /// States under `folder` (made by this process, removed with it) are scratch from now on. Only an
    /// absolute folder below the root counts: "" or "/" would make every state scratch.
    public static func markScratch(folder: String) {
        guard let folder = scratchKey(folder) else { return }
        scratchFolders.withLock { _ = $0.insert(folder) }
    }

    /// `folder` is removed: states made there later are real again.
    public static func unmarkScratch(folder: String) {
        guard let folder = scratchKey(folder) else { return }
        scratchFolders.withLock { _ = $0.remove(folder) }
    }

    /// `folder` as kept: standardized, ending in "/", so /tmp/a never matches /tmp/ab (nil: not a folder one may mark).
    private static func scratchKey(_ folder: String) -> String? {
        let folder = (folder as NSString).standardizingPath
        guard folder.hasPrefix("/"), folder.count > 1 else { return nil }
        return folder.hasSuffix("/") ? folder : folder + "/"
    }

    static func isScratch(_ path: String) -> Bool {
        let path = (path as NSString).standardizingPath
        return scratchFolders.withLock { folders in folders.contains { path.hasPrefix($0) } }
    }

    public init(path: String, home: String? = nil, busyTimeout: Double = StateStore.busyTimeout) throws {
        self.path = path
        self.busyTimeout = busyTimeout
        let folder = (path as NSString).deletingLastPathComponent
        self.home = home ?? (folder.isEmpty ? "." : folder)
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        // The WAL file is kept when the last connection closes: deleting it takes an exclusive
        // lock, which a process opening the state at that moment meets as SQLITE_BUSY.
        let scratch = Self.isScratch(path)
        configuration.prepareDatabase { db in
            var persist: Int32 = 1
            _ = sqlite3_file_control(db.sqliteConnection, nil, SQLITE_FCNTL_PERSIST_WAL, &persist)
        }
        do {
            let existed = FileManager.default.fileExists(atPath: path)
            if !existed { try Self.create(path, configuration: configuration) }
            // A state others could read (made under umask 022, copied in) is made private again.
            PrivateFiles.restrict([path] + Self.companionFiles(of: path) + [path + ".lock", path + ".dashboard"])
            pool = try Self.open(path, configuration: configuration, checkingOwnership: existed, busyTimeout: busyTimeout)
            // A scenario's state lives for one scenario: nothing of it need survive a power cut. Set on the
            // writer once the pool is open (GRDB sets `synchronous = NORMAL` as it turns WAL on, after
            // `prepareDatabase`).
            if scratch { try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = OFF") } }
            writes = GroupCommit(pool: pool)
            outbox = Outbox(statePath: path, pool: pool)
            ledger = Ledger(pool: pool, writes: writes)
            schedules = Schedules(pool: pool, writes: writes)
            sends = Sends(pool: pool, outbox: outbox)
            approvals = Approvals(pool: pool, writes: writes, statePath: path)
            notices = Notices(pool: pool)
            journal = Journal(pool: pool)
            settings = Settings(pool: pool)
            kept = KeptValues(pool: pool)
        } catch let error as StateError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            throw StateError.cannotOpen(path: path, reason: "\(path) is not a readable state file (\(error.message ?? "corrupt")); it was left as it is", fault: nil)
        } catch {
            let fault = LocalFault(error).map { LocalFault($0.kind, path: path, detail: $0.detail) }
            throw StateError.cannotOpen(
                path: path, reason: "cannot open the state file \(path): \(fault.map { "\($0.kind.explanation) (\($0.detail))" } ?? "\(error)")", fault: fault)
        }
    }

    /// Opens the pool and brings the schema up to date, trying again while
    /// another process holds the file busy past the busy timeout: processes
    /// starting at the same moment (a WAL recovery, another's migration)
    /// can answer SQLITE_BUSY at once.
    ///
    /// - Parameter checkingOwnership: the file was there before: it is looked
    ///   at read-only first, since opening a pool switches the file to WAL,
    ///   which would already change a file that is not ours.
    private static func open(_ path: String, configuration: Configuration, checkingOwnership: Bool, busyTimeout: Double) throws -> DatabasePool {
        var attempt = 0
        // A lock held past the busy timeout is not a race of starts: it is a local fault, said at once.
        let started = ContinuousClock.now, patience = Duration.seconds(busyTimeout)
        while true {
            do {
                if checkingOwnership { try Self.checkOwnership(path) }
                let pool = try DatabasePool(path: path, configuration: configuration)
                do {
                    try StateStore.migrator.migrate(pool)
                    // Just made, maybe by a racing process: a reader too, since the pool opens its first one
                    // on the first read, which can meet the same race. An old state does not pay for it.
                    if !checkingOwnership { _ = try pool.read { db in try db.tableExists("send") } }
                    return pool
                } catch {
                    try? pool.close()
                    throw error
                }
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && attempt < 20 && ContinuousClock.now - started < patience {
                attempt += 1
                // blocking: opening a state is synchronous, and these pauses are short (20–400 ms, all
                // within the busy timeout) and only happen when processes start at the same moment.
                usleep(UInt32(20_000 * attempt))
            }
        }
    }

    /// Refuses a file that is not a state: another program's SQLite file,
    /// anything else, and an empty file (a state truncated to nothing is
    /// refused, never silently started over: its send history would be gone).
    private static func checkOwnership(_ path: String) throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0 else {
            throw StateError.notOurs(
                path: path,
                reason: "\(path) is empty, not a state file; if you mean to start this script's state afresh (its send history and "
                    + "px.store are gone), remove it")
        }
        var readOnly = Configuration()
        readOnly.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: readOnly)
        defer { try? queue.close() }
        try queue.read { db in
            let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            if id != StateStore.applicationID {
                throw StateError.notOurs(path: path, reason: "\(path) is not a pxscript state file (it belongs to another program); refusing to touch it")
            }
        }
    }

    /// Makes a new state at `path` whole or not at all: built under a
    /// temporary name (marked, in WAL mode, migrated), then linked into
    /// place, which fails if another process got there first (its state is
    /// then the one used). So an empty or half-made file is never a state
    /// being created, and first runs racing on one path all open one file.
    private static func create(_ path: String, configuration: Configuration) throws {
        let temporary = path + ".new-\(getpid())-\(UUID().uuidString.prefix(8))"
        defer { for file in [temporary, temporary + "-wal", temporary + "-shm"] { unlink(file) } }
        // Made private before SQLite opens it: its -wal and -shm take its mode.
        PrivateFiles.create(temporary)
        let queue = try DatabaseQueue(path: temporary, configuration: configuration)
        // Nobody sees the file before it is linked into place: no journal and no sync while it is
        // built (each would cost a few fsyncs per migration), one sync of the whole file at the end.
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = OFF")
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = OFF")
            try db.execute(sql: "PRAGMA application_id = \(StateStore.applicationID)")
        }
        try queue.writeWithoutTransaction { db in try StateStore.buildNew(db) }
        // WAL is recorded in the file's header: every later opening uses it.
        try queue.writeWithoutTransaction { db in _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
        try queue.close()
        if let file = FileHandle(forUpdatingAtPath: temporary) {
            try? file.synchronize()
            try? file.close()
        }
        guard link(temporary, path) == 0 || errno == EEXIST else {
            // A file system without hard links: a rename, which could only replace a state made this instant.
            guard !FileManager.default.fileExists(atPath: path), rename(temporary, path) == 0 else {
                if FileManager.default.fileExists(atPath: path) { return }
                let code = errno
                throw StateError.cannotWrite(path: path, what: "create the state file", errno: code)
            }
            return
        }
    }

    /// A consistent copy of this state at `path` (for `--dry-run`, which
    /// must leave the real state untouched). The corresponding SQLite
    /// feature is the online backup API.
    ///
    /// An outbox log left by a killed run goes with it, so the copy replays
    /// it as the real state would.
    public func copy(to path: String) throws -> StateStore {
        let copy = try StateStore(path: path, home: home, busyTimeout: busyTimeout)
        try pool.backup(to: copy.pool)
        if let log = FileManager.default.contents(atPath: self.path + "-outbox") {
            try PrivateFiles.write(log, to: path + "-outbox")
        }
        return copy
    }

    /// Commits the outbox's and the other queued writes.
    public func flush() async throws {
        try await outbox.flush()
        try await writes.flush()
    }

    /// Commits what is still queued (outcomes of sends), lets the send
    /// lease go, then closes the file.
    public func close() throws {
        writes.flushNow()
        outbox.closeNow()
        try pool.close()
    }

    /// The files beside the state file: SQLite's and the outbox's.
    public static func companionFiles(of path: String) -> [String] {
        [path + "-wal", path + "-shm"] + Outbox.files(statePath: path)
    }
}

/// A problem with the state file, worded for the user; `fault` when it is
/// this machine's (a lock, a full disk), which passes.
/// Why a state (or its outbox log, its lock, the record beside it) cannot be used, by kind; what a
/// photographer reads is `description`, what decides is the case and its `fault`.
public enum StateError: Error, Sendable, CustomStringConvertible {
    /// A file pxscript could not create or write (the state, its outbox log, a lock), and the system's words.
    case cannotWrite(path: String, what: String, detail: String, fault: LocalFault?)
    /// A state that does not open: not SQLite, or this machine failed it.
    case cannotOpen(path: String, reason: String, fault: LocalFault?)
    /// A file that is not pxscript's (another program's database, an empty file): left as it is.
    case notOurs(path: String, reason: String)
    /// An outbox log that cannot be read: left as it is.
    case unreadable(path: String, reason: String, fault: LocalFault?)
    /// The state was closed while a write or a send's outcome was on its way.
    case closed(String)
    /// A write that did not run, or a refusal of a caller's own.
    case failed(String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let what, let detail, _): "cannot \(what) \(path): \(detail)"
        case .cannotOpen(_, let reason, _), .notOurs(_, let reason), .unreadable(_, let reason, _): reason
        case .closed(let text), .failed(let text): text
        }
    }

    /// A failed system call's `errno`, in the system's words and as the fault it is.
    package static func cannotWrite(path: String, what: String, errno code: Int32) -> StateError {
        .cannotWrite(path: path, what: what, detail: String(cString: strerror(code)), fault: LocalFault.fromErrno(code, path: path))
    }

    /// The local fault it is, if any (a lock, a full disk, an I/O error).
    public var fault: LocalFault? {
        switch self {
        case .cannotWrite(_, _, _, let fault), .cannotOpen(_, _, let fault), .unreadable(_, _, let fault): fault
        case .notOurs, .closed, .failed: nil
        }
    }
}
