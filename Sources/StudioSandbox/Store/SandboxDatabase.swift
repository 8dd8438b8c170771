import Foundation
import GRDB
import PixiesetModels

/// The sandbox's data: one SQLite file (WAL) owned by one `DatabasePool`.
///
/// A running `sandbox serve` and a `sandbox message --db` in another process
/// share the file; every operation is one transaction, so a request that
/// fails leaves nothing half-written.
public final class SandboxDatabase: Sendable {
    /// `PRAGMA application_id` of a sandbox database ("PXSB"), so a foreign
    /// SQLite file is refused rather than migrated into.
    static let applicationID: Int32 = 0x5058_5342

    let pool: DatabasePool
    public let clock: any SandboxClock
    /// Where new ids come from (seeded for the simulator).
    let ids: IDSource
    /// The studio the sandbox's cookie logs into.
    let studio: StudioRecord
    public let path: String

    /// Opens (and, when new, creates and migrates) the database at `path`.
    ///
    /// - Parameter create: `false` to require an existing sandbox database
    ///   (the simulation commands), `true` to create one when the file is new.
    /// - Throws: `SandboxSetupError` for a missing, foreign or corrupt file.
    public init(path: String, clock: any SandboxClock, create: Bool, idSeed: UInt64? = nil) throws {
        ids = IDSource(seed: idSeed)
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw SandboxSetupError("no sandbox database at \(path) (start one with `pxscript sandbox serve --db \(path)`)", isMissingFile: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.write { db in
                let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let tableCount = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") ?? 0
                if id == 0 && tableCount == 0 {
                    guard create else { throw SandboxSetupError("\(path) is an empty file, not a sandbox database") }
                    try db.execute(sql: "PRAGMA application_id = \(SandboxDatabase.applicationID)")
                } else if id != SandboxDatabase.applicationID {
                    throw SandboxSetupError("\(path) is not a sandbox database (it belongs to another program); refusing to touch it")
                }
            }
            try SandboxDatabase.migrator.migrate(pool)
            studio = try pool.write { db in try StudioRecord.ensureHome(db) }
        } catch let error as SandboxSetupError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            throw SandboxSetupError("\(path) is not a readable SQLite database (\(error.message ?? "corrupt"))")
        } catch {
            throw SandboxSetupError("cannot open sandbox database \(path): \(error)")
        }
        self.clock = clock
        self.path = path
    }

    /// Whether the database holds no conversations yet (so seeding is due).
    public func isEmpty() throws -> Bool {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conversation") ?? 0 } == 0
    }

    /// Closes the pool; further use throws.
    public func close() throws {
        try pool.close()
    }
}
