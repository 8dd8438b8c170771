import GRDB

extension SandboxDatabase {
    /// Frozen migrations: never edit one that has landed; add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE studio (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    email TEXT NOT NULL,
                    photographer_id TEXT NOT NULL,
                    photographer_name TEXT NOT NULL,
                    is_home INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE client (
                    id TEXT PRIMARY KEY,
                    studio_id TEXT NOT NULL REFERENCES studio(id),
                    name TEXT NOT NULL,
                    email TEXT NOT NULL,
                    avatar_color INTEGER NOT NULL
                );
                CREATE UNIQUE INDEX client_email ON client(studio_id, email COLLATE NOCASE);
                CREATE TABLE conversation (
                    id TEXT PRIMARY KEY,
                    studio_id TEXT NOT NULL REFERENCES studio(id),
                    client_id TEXT NOT NULL REFERENCES client(id),
                    subject TEXT NOT NULL,
                    status TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    last_message_at INTEGER NOT NULL
                );
                CREATE INDEX conversation_recent ON conversation(studio_id, last_message_at DESC, id DESC);
                CREATE INDEX conversation_client ON conversation(client_id);
                CREATE TABLE message (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    conversation_id TEXT NOT NULL REFERENCES conversation(id),
                    content TEXT NOT NULL,
                    sent_at INTEGER NOT NULL,
                    sender_type TEXT NOT NULL,
                    sender_id TEXT NOT NULL,
                    read_at INTEGER
                );
                CREATE INDEX message_thread ON message(conversation_id, sent_at, seq);
                CREATE INDEX message_unread ON message(conversation_id)
                    WHERE read_at IS NULL AND sender_type = 'client';
                CREATE TABLE attachment (
                    id TEXT PRIMARY KEY,
                    studio_id TEXT NOT NULL REFERENCES studio(id),
                    filename TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    file_size INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    uploaded_at INTEGER,
                    message_id TEXT REFERENCES message(id),
                    position INTEGER,
                    data BLOB
                );
                CREATE INDEX attachment_message ON attachment(message_id, position);
                """)
        }
        migrator.registerMigration("v2 conversation counts") { db in
            // Lists report `meta.total`; counting 10,000 rows per request costs
            // more than the rest of the request. Triggers keep these counts
            // exact whichever process writes (sandbox serve, sandbox message --db).
            try db.execute(sql: """
                CREATE TABLE conversation_count (
                    studio_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    n INTEGER NOT NULL,
                    PRIMARY KEY (studio_id, status)
                ) WITHOUT ROWID;
                INSERT INTO conversation_count (studio_id, status, n)
                    SELECT studio_id, status, COUNT(*) FROM conversation GROUP BY studio_id, status;
                CREATE TRIGGER conversation_count_insert AFTER INSERT ON conversation BEGIN
                    INSERT INTO conversation_count (studio_id, status, n) VALUES (NEW.studio_id, NEW.status, 1)
                        ON CONFLICT (studio_id, status) DO UPDATE SET n = n + 1;
                END;
                CREATE TRIGGER conversation_count_delete AFTER DELETE ON conversation BEGIN
                    UPDATE conversation_count SET n = n - 1 WHERE studio_id = OLD.studio_id AND status = OLD.status;
                END;
                CREATE TRIGGER conversation_count_update AFTER UPDATE OF studio_id, status ON conversation
                WHEN OLD.studio_id IS NOT NEW.studio_id OR OLD.status IS NOT NEW.status BEGIN
                    UPDATE conversation_count SET n = n - 1 WHERE studio_id = OLD.studio_id AND status = OLD.status;
                    INSERT INTO conversation_count (studio_id, status, n) VALUES (NEW.studio_id, NEW.status, 1)
                        ON CONFLICT (studio_id, status) DO UPDATE SET n = n + 1;
                END;
                """)
        }
        return migrator
    }
}
