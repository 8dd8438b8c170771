import Foundation
import GRDB
import PixiesetModels

/// Fills a new sandbox database: `--seed demo` (the demo studio) or
/// `--seed scale:N` (N generated conversations).
///
/// Everything is drawn from a generator with a fixed seed and dated
/// relative to the sandbox's clock, so with `PXSCRIPT_NOW` set the data is
/// identical on every run.
enum DemoData {
    /// - Parameter usernameIDs: conversation ids of the form `{username}_{unique_id}` (quirk
    ///   `username_ids`): the same data, each `conv_ABC…` id written `maplelight_abc…`.
    static func seed(_ seed: SandboxConfiguration.Seed, into database: SandboxDatabase, usernameIDs: Bool = false) throws {
        let now = database.clock.referenceTime.microseconds
        try database.pool.write { db in
            switch seed {
            case .none: break
            case .demo: try demo(db, studio: database.studio, now: now)
            case .scale(let count): try scale(db, studio: database.studio, count: count, now: now)
            }
            if usernameIDs {
                // Messages point at conversations: the check waits for the commit, when both are renamed.
                try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
                let renamed = "? || '_' || lower(substr(%@, 6))"
                try db.execute(
                    sql: "UPDATE message SET conversation_id = \(renamed.replacingOccurrences(of: "%@", with: "conversation_id")) WHERE conversation_id LIKE 'conv!_%' ESCAPE '!'",
                    arguments: [IDGenerator.username])
                try db.execute(
                    sql: "UPDATE conversation SET id = \(renamed.replacingOccurrences(of: "%@", with: "id")) WHERE id LIKE 'conv!_%' ESCAPE '!'",
                    arguments: [IDGenerator.username])
            }
        }
    }

    /// How a demo conversation ends, which decides its script prefix and age.
    enum Ending: CaseIterable {
        case waitingOnClient, waitingOnStudio, unread, archived
    }

    static let hour: Int64 = 3_600_000_000
    static let day: Int64 = 24 * hour

    /// The demo studio: 15 clients, 40 conversations over about six months
    /// (14 waiting on the client, 15 on the studio, 4 unread, 1 archived and
    /// 6 wrapped up), attachments and system messages on some; plus another
    /// studio's conversations, which the API refuses with 403.
    static func demo(_ db: Database, studio: StudioRecord, now: Int64) throws {
        var rng = SeededRandom(seed: 20_250_807)
        let writer = Writer(db: db)
        var clientIDs: [String] = []
        for (index, client) in DemoScripts.clients.enumerated() {
            let id = IDGenerator.make(.client, using: &rng)
            try writer.client(id: id, studio: studio.id, name: client.name, email: client.email, color: index % 12)
            clientIDs.append(id)
        }
        let endings: [Ending] =
            Array(repeating: .waitingOnClient, count: 20) + Array(repeating: .waitingOnStudio, count: 15)
            + Array(repeating: .unread, count: 4) + [.archived]
        for (index, ending) in endings.enumerated() {
            let clientIndex = index % clientIDs.count
            let script = DemoScripts.all[(index * 3 + index / 8) % DemoScripts.all.count]
            let lastAge: Int64
            switch ending {
            case .unread: lastAge = Int64(2 + index % 30) * hour
            case .waitingOnStudio: lastAge = Int64(1 + index % 9) * day + Int64(index % 7) * hour
            case .waitingOnClient: lastAge = Int64(1 + (index * 5) % 40) * day + Int64(index % 5) * hour
            case .archived: lastAge = 150 * day
            }
            let minutes = Int64(rng.next(upperBound: UInt64(59))) * 60_000_000
            try writer.conversation(
                script: script, ending: ending, clientID: clientIDs[clientIndex],
                client: DemoScripts.clients[clientIndex], studio: studio, end: now - lastAge - minutes, rng: &rng, serial: index)
        }
        try StudioRecord.other.insert(db, isHome: false)
        for (index, client) in DemoScripts.otherStudioClients.enumerated() {
            let id = IDGenerator.make(.client, using: &rng)
            try writer.client(id: id, studio: StudioRecord.other.id, name: client.name, email: client.email, color: index)
            try writer.conversation(
                script: DemoScripts.all[index], ending: .waitingOnStudio, clientID: id, client: client,
                studio: .other, end: now - Int64(index + 2) * day, rng: &rng, serial: 100 + index)
        }
    }

    /// `scale:N`: N conversations of three messages each, over the last year,
    /// with N/4 clients; one transaction with prepared statements, so 10,000
    /// conversations take a few seconds.
    static func scale(_ db: Database, studio: StudioRecord, count: Int, now: Int64) throws {
        var rng = SeededRandom(seed: UInt64(count))
        let writer = Writer(db: db)
        let clientCount = max(1, count / 4)
        var clients: [String] = []
        clients.reserveCapacity(clientCount)
        for index in 0..<clientCount {
            let id = IDGenerator.make(.client, using: &rng)
            try writer.client(
                id: id, studio: studio.id, name: "Client \(index + 1)", email: "client\(index + 1)@scale.example", color: index % 12)
            clients.append(id)
        }
        let year = 365 * day
        for index in 0..<count {
            let clientID = clients[index % clientCount]
            let end = now - Int64(rng.next(upperBound: UInt64(year)))
            let start = end - 2 * day
            let id = IDGenerator.make(.conversation, using: &rng)
            try writer.conversationRow(
                id: id, studio: studio.id, clientID: clientID, subject: "Session inquiry #\(index + 1)",
                status: index % 50 == 49 ? "archived" : "active", created: start - hour, last: end)
            let unread = index % 10 == 0
            try writer.message(
                id: IDGenerator.make(.message, using: &rng), conversation: id, content: "Hello! Are you available for a session?",
                sentAt: start, sender: .client, senderID: clientID, readAt: start + hour)
            try writer.message(
                id: IDGenerator.make(.message, using: &rng), conversation: id, content: "Hi! Yes, I have openings next month.",
                sentAt: start + day, sender: .photographer, senderID: studio.photographerID, readAt: nil)
            let clientLast = index % 2 == 0
            try writer.message(
                id: IDGenerator.make(.message, using: &rng), conversation: id,
                content: clientLast ? "Great, could you send the details?" : "Here are the details and the price guide.",
                sentAt: end, sender: clientLast ? .client : .photographer,
                senderID: clientLast ? clientID : studio.photographerID,
                readAt: clientLast && !unread ? end + hour : nil)
        }
    }

    /// Inserts rows with cached statements.
    struct Writer {
        let db: Database

        func client(id: String, studio: String, name: String, email: String, color: Int) throws {
            try db.cachedStatement(
                sql: "INSERT INTO client (id, studio_id, name, email, avatar_color) VALUES (?, ?, ?, ?, ?)"
            ).execute(arguments: [id, studio, name, email, color])
        }

        func conversationRow(id: String, studio: String, clientID: String, subject: String, status: String, created: Int64, last: Int64) throws {
            try db.cachedStatement(
                sql: """
                    INSERT INTO conversation (id, studio_id, client_id, subject, status, created_at, updated_at, last_message_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [id, studio, clientID, subject, status, created, last, last])
        }

        func message(id: String, conversation: String, content: String, sentAt: Int64, sender: SenderType, senderID: String, readAt: Int64?) throws {
            try db.cachedStatement(
                sql: """
                    INSERT INTO message (id, conversation_id, content, sent_at, sender_type, sender_id, read_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [id, conversation, content, sentAt, sender.rawValue, senderID, readAt])
        }

        func attachment(id: String, studio: String, filename: String, data: Data, messageID: String, at time: Int64) throws {
            try db.cachedStatement(
                sql: """
                    INSERT INTO attachment (id, studio_id, filename, content_type, file_size, created_at, expires_at,
                                            uploaded_at, message_id, position, data)
                    VALUES (?, ?, ?, 'application/pdf', ?, ?, ?, ?, ?, 0, ?)
                    """
            ).execute(arguments: [id, studio, filename, data.count, time, time, time, messageID, data])
        }

        /// One demo conversation: a prefix of `script` chosen by `ending`,
        /// its last message at `end`, earlier ones hours to days apart.
        func conversation(
            script: DemoScripts.Script, ending: Ending, clientID: String, client: (name: String, email: String),
            studio: StudioRecord, end: Int64, rng: inout SeededRandom, serial: Int
        ) throws {
            let lines = prefix(of: script.lines, ending: ending, serial: serial)
            var times = [end]
            for _ in lines.dropLast() {
                times.insert(times[0] - 3 * DemoData.hour - Int64(rng.next(upperBound: UInt64(2 * DemoData.day))), at: 0)
            }
            let id = IDGenerator.make(.conversation, using: &rng)
            try conversationRow(
                id: id, studio: studio.id, clientID: clientID, subject: script.subject,
                status: ending == .archived ? "archived" : "active", created: times[0] - 5 * 60_000_000, last: end)
            let first = String(client.name.split(separator: " ").first ?? "there")
            for (index, line) in lines.enumerated() {
                let text = fill(line.text, first: first, name: client.name, studio: studio.name, serial: serial)
                let sentAt = times[index]
                let isLast = index == lines.count - 1
                let messageID = IDGenerator.make(.message, using: &rng)
                switch line.sender {
                case .client:
                    let unread = ending == .unread && (isLast || index == lines.count - 2 && serial % 2 == 0)
                    try message(
                        id: messageID, conversation: id, content: text, sentAt: sentAt, sender: .client, senderID: clientID,
                        readAt: unread ? nil : sentAt + 40 * 60_000_000)
                case .studio:
                    let readByClient = !isLast || end < times[index] - DemoData.day
                    try message(
                        id: messageID, conversation: id, content: text, sentAt: sentAt, sender: .photographer,
                        senderID: studio.photographerID, readAt: readByClient ? sentAt + DemoData.hour : nil)
                    if let filename = line.attachment {
                        try attachment(
                            id: IDGenerator.make(.attachment, using: &rng), studio: studio.id, filename: filename,
                            data: SamplePDF.make(title: filename), messageID: messageID, at: sentAt)
                    }
                case .system:
                    try message(
                        id: messageID, conversation: id, content: text, sentAt: sentAt, sender: .system, senderID: "system",
                        readAt: sentAt)
                }
            }
        }

        /// The lines up to where the conversation stops: after a studio line
        /// (waiting on the client) or after a client line (waiting on the studio).
        private func prefix(of lines: [DemoScripts.Line], ending: Ending, serial: Int) -> [DemoScripts.Line] {
            let wantClientLast = ending != .waitingOnClient
            let candidates = lines.indices.filter { index in
                let sender = lines[index].sender
                return wantClientLast ? sender == .client : sender == .studio
            }
            let pick = candidates[serial % candidates.count]
            return Array(lines[...pick])
        }

        private func fill(_ text: String, first: String, name: String, studio: String, serial: Int) -> String {
            text.replacingOccurrences(of: "{first}", with: first)
                .replacingOccurrences(of: "{name}", with: name)
                .replacingOccurrences(of: "{studio}", with: studio)
                .replacingOccurrences(of: "{venue}", with: DemoScripts.venues[serial % DemoScripts.venues.count])
                .replacingOccurrences(of: "{month}", with: DemoScripts.months[serial % DemoScripts.months.count])
                .replacingOccurrences(of: "{day}", with: String(10 + serial % 18))
                .replacingOccurrences(of: "{number}", with: String(1040 + serial))
        }
    }
}

/// A small, valid one-page PDF, so demo attachments open in a viewer.
enum SamplePDF {
    static func make(title: String) -> Data {
        let text = title.filter { $0.isASCII && $0 != "(" && $0 != ")" && $0 != "\\" }
        let stream = "BT /F1 18 Tf 72 720 Td (\(text)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var pdf = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(pdf.utf8.count)
            pdf += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = pdf.utf8.count
        pdf += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            pdf += String(offset).leftPadded(to: 10) + " 00000 n \n"
        }
        pdf += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(pdf.utf8)
    }
}
