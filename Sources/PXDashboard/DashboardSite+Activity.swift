import Foundation
import Hummingbird
import PXRuntime
import PXState

extension DashboardSite {
    /// Lines per page of the activity.
    static let activityPage = 50
    /// The furthest page the activity goes back to.
    static let lastPage = 10_000

    /// The journals of every state, newest first, filtered by script, kind and client, a page at a time.
    func activity(_ request: Request) throws -> ActivityPage {
        let query = request.uri.queryParameters
        let script = query["script"].flatMap { Int(String($0)) }
        let kind = query["kind"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let client = query["client"].map(String.init).map { String($0.trimmingCharacters(in: .whitespaces).prefix(200)) } ?? ""
        // Bounded before any arithmetic: a page number from the address must not overflow into a trap
        // (a watch daemon serving the page would stop with it). 10,000 pages are half a million lines.
        let page = min(max(0, query["page"].flatMap { Int(String($0)) } ?? 0), Self.lastPage)
        let offset = page * Self.activityPage
        var names: [String: String] = [:]
        var merged: [(entry: JournalEntry, script: String)] = []
        for (index, each) in configuration.scripts.enumerated() where script == nil || script == index {
            guard let store = try states.store(index) else { continue }
            // Each state's newest lines up to the end of this page: merged, the page is exact. A client
            // is found by a conversation id, text of the line, or their name.
            let named = client.isEmpty ? [] : try store.ledger.conversations(named: client)
            let lines = try store.journal.page(
                offset: 0, limit: offset + Self.activityPage + 1, kind: kind, about: client.isEmpty ? nil : client, conversations: named)
            merged += lines.map { ($0, each.label) }
            let ids = Set(lines.compactMap(\.conversationID))
            for approval in try store.approvals.list() where ids.contains(approval.conversationID) { names[approval.conversationID] = approval.clientName }
            names.merge(try store.ledger.clientNames(for: ids)) { _, recorded in recorded }
        }
        merged.sort { $0.entry.at > $1.entry.at }
        let shown = merged.dropFirst(offset).prefix(Self.activityPage)
        // Each send with the script line that made it (`msg_… (key …)` names the message first).
        var lines: [String: String] = [:]
        let sentIDs = shown.filter { $0.entry.kind == JournalKind.sent.rawValue || $0.entry.kind == JournalKind.reconciled.rawValue }
            .compactMap { $0.entry.detail.split(separator: " ").first.map(String.init) }
        for index in configuration.scripts.indices where !sentIDs.isEmpty {
            guard let store = try states.store(index) else { continue }
            lines.merge(try store.sends.origins(of: sentIDs)) { a, _ in a }
        }
        func link(_ page: Int) -> String {
            var parts = URLComponents()
            parts.path = "/activity"
            parts.queryItems = [
                script.map { URLQueryItem(name: "script", value: String($0)) }, kind.map { URLQueryItem(name: "kind", value: $0) },
                client.isEmpty ? nil : URLQueryItem(name: "client", value: client), URLQueryItem(name: "page", value: String(page)),
            ].compactMap { $0 }
            return parts.string ?? "/activity"
        }
        let entries = shown.map { line in
            ActivityPage.Entry(
                at: local(line.entry.at), script: line.script, kind: line.entry.kind, conversation: line.entry.conversationID,
                clientName: line.entry.conversationID.flatMap { names[$0].flatMap { $0.isEmpty ? nil : $0 } }, detail: line.entry.detail,
                line: line.entry.detail.split(separator: " ").first.flatMap { lines[String($0)] }.map { ($0 as NSString).lastPathComponent })
        }
        return ActivityPage(
            frame: PageFrame(title: "Activity", notice: notice(request)), entries: Array(entries), entriesShown: !entries.isEmpty,
            filtered: script != nil || kind != nil || !client.isEmpty, client: client,
            scriptOptions: configuration.scripts.enumerated().map { .init(value: $0.offset, label: $0.element.label, selected: $0.offset == script) },
            kindOptions: JournalKind.allCases.map { .init(value: $0.rawValue, selected: $0.rawValue == kind) },
            newer: page > 0 ? link(page - 1) : nil, older: merged.count > offset + Self.activityPage ? link(page + 1) : nil)
    }
}
