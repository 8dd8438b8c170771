import Foundation
import GRDB

/// Client names by conversation, as pxscript last saw them (every
/// conversation id printed for a person is followed by the client's name).
/// Noted by the poll and at the end of a run; read by `status`, `approvals`
/// and the journal's lines. A name is at most 200 characters.
extension Ledger {
    /// Notes `names` (conversation id → client name), replacing older ones.
    /// On GRDB's writer thread, with the other queued writes: never a blocked thread of the runtime.
    public func noteClientNames(_ names: [String: String]) async throws {
        guard !names.isEmpty else { return }
        try await writes.write { db in try Self.noteClientNames(names, db) }
    }

    static func noteClientNames(_ names: [String: String], _ db: Database) throws {
        let conversation = ConversationNameRow.Columns.conversationID, column = ConversationNameRow.Columns.name
        for (id, name) in names where !name.isEmpty && name != "?" {
            // Written only when it changed: a run that read a thousand conversations rewrites no page for them.
            try db.cachedStatement(literal: """
                INSERT INTO \(ConversationNameRow.self) (\(conversation), \(column)) VALUES (\(id), \(String(name.prefix(200))))
                ON CONFLICT(\(conversation)) DO UPDATE SET \(column) = excluded.\(column) WHERE \(column) <> excluded.\(column)
                """).execute()
        }
    }

    /// The names known for `ids` (those unknown are left out).
    public func clientNames(for ids: some Collection<String>) throws -> [String: String] {
        guard !ids.isEmpty else { return [:] }
        return try pool.read { db in
            var names: [String: String] = [:]
            for slice in QueryPieces.slices(Array(Set(ids))) {
                for row in try ConversationNameRow.fetchAll(db, keys: slice) { names[row.conversationID] = row.name }
            }
            return names
        }
    }

    /// The conversations whose client's name, as last seen, has `text` in it (any case): a
    /// photographer looks a client up by name.
    public func conversations(named text: String) throws -> [String] {
        guard !text.isEmpty else { return [] }
        return try pool.read { db in
            try ConversationNameRow.filter(ConversationNameRow.Columns.name.like("%" + QueryPieces.literal(text) + "%", escape: "\\")).limit(500)
                .fetchAll(db).map(\.conversationID)
        }
    }
}
