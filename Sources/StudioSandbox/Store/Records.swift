import GRDB
import PixiesetModels

/// A studio: the one the cookie logs into ("home") and others that exist
/// only so that their conversations answer 403 `ACCESS_DENIED`.
struct StudioRecord: Sendable, Hashable {
    var id: String
    var name: String
    var email: String
    var photographerID: String
    var photographerName: String

    static let home = StudioRecord(
        id: "st_HOME", name: "Maple & Light Photography", email: "hello@mapleandlight.example",
        photographerID: "photographer_123", photographerName: "Ava Martin")
    static let other = StudioRecord(
        id: "st_OTHER", name: "Northshore Portraits", email: "studio@northshore.example",
        photographerID: "photographer_456", photographerName: "Liam Chen")

    init(id: String, name: String, email: String, photographerID: String, photographerName: String) {
        self.id = id
        self.name = name
        self.email = email
        self.photographerID = photographerID
        self.photographerName = photographerName
    }

    init(row: Row) {
        id = row["id"]
        name = row["name"]
        email = row["email"]
        photographerID = row["photographer_id"]
        photographerName = row["photographer_name"]
    }

    func insert(_ db: Database, isHome: Bool) throws {
        try db.execute(
            sql: "INSERT OR IGNORE INTO studio (id, name, email, photographer_id, photographer_name, is_home) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [id, name, email, photographerID, photographerName, isHome])
    }

    /// The home studio, created on first open.
    static func ensureHome(_ db: Database) throws -> StudioRecord {
        if let row = try Row.fetchOne(db, sql: "SELECT * FROM studio WHERE is_home = 1") {
            return StudioRecord(row: row)
        }
        try home.insert(db, isHome: true)
        try other.insert(db, isHome: false)
        return home
    }

    var participant: Participant {
        Participant(id: photographerID, name: photographerName, email: email, type: .photographer, avatarColor: nil)
    }
}

/// How timestamps are written: the seed's form, or (quirk `plain_timestamps`)
/// whole seconds with a `+00:00` offset.
enum TimestampStyle: Sendable {
    case canonical, plainSeconds

    func make(_ microseconds: Int64) -> Timestamp {
        let canonical = Timestamp(microseconds: microseconds)
        switch self {
        case .canonical: return canonical
        case .plainSeconds: return Timestamp(parsing: canonical.plainSecondsText) ?? canonical
        }
    }
}
