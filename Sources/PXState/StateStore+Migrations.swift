import GRDB

extension StateStore {
    /// Frozen migrations, in order: never edit one that has landed; add a new one. Each is
    /// SQL only, so a new state can be built from all of them at once (`buildNew`).
    package static let migrations: [(identifier: String, sql: String)] = [
        ("v1", """
                CREATE TABLE setting (
                    name TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                );
                CREATE TABLE send (
                    id INTEGER PRIMARY KEY,
                    conversation_id TEXT NOT NULL,
                    send_key TEXT NOT NULL,
                    explicit_key INTEGER NOT NULL,
                    content TEXT NOT NULL,
                    attachment_ids TEXT NOT NULL,
                    attachment_names TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'sent')),
                    attempted_at REAL NOT NULL,
                    day TEXT NOT NULL,
                    message_id TEXT,
                    message_json TEXT,
                    sent_at REAL
                );
                CREATE INDEX send_by_key ON send(conversation_id, send_key);
                CREATE UNIQUE INDEX send_by_message ON send(message_id) WHERE message_id IS NOT NULL;
                CREATE INDEX send_pending ON send(state) WHERE state = 'pending';
                CREATE TABLE store (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                );
                CREATE TABLE once (
                    key TEXT PRIMARY KEY,
                    first_at REAL NOT NULL,
                    until REAL NOT NULL
                );
                CREATE TABLE journal (
                    id INTEGER PRIMARY KEY,
                    at REAL NOT NULL,
                    kind TEXT NOT NULL,
                    conversation_id TEXT,
                    detail TEXT NOT NULL
                );
                CREATE TABLE daily_sends (
                    day TEXT PRIMARY KEY,
                    count INTEGER NOT NULL
                );
            """),
        ("v2-watch", """
                CREATE TABLE watermark (
                    name TEXT PRIMARY KEY,
                    microseconds INTEGER NOT NULL
                );
                CREATE TABLE conversation_mark (
                    conversation_id TEXT PRIMARY KEY,
                    last_message_at INTEGER NOT NULL
                );
                CREATE TABLE event (
                    message_id TEXT PRIMARY KEY,
                    conversation_id TEXT NOT NULL,
                    sent_at INTEGER NOT NULL,
                    message_json TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('received', 'handling', 'done', 'failed', 'parked', 'skipped')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    reason TEXT,
                    traceback TEXT,
                    retry_at REAL,
                    received_at REAL NOT NULL
                );
                CREATE INDEX event_open ON event(conversation_id, sent_at) WHERE state IN ('received', 'handling', 'failed');
                CREATE TABLE schedule (
                    id TEXT PRIMARY KEY,
                    last_run REAL,
                    next_run REAL,
                    done INTEGER NOT NULL DEFAULT 0
                );
            """),
        // Keys (`px.once`, `px.store`) held by running handlers: decision 0010.
        ("v3-key-holds", """
                CREATE TABLE key_hold (
                    key TEXT PRIMARY KEY,
                    holder TEXT NOT NULL,
                    pid INTEGER NOT NULL,
                    expires_at REAL NOT NULL
                );
                CREATE INDEX key_hold_holder ON key_hold(holder);
            """),
        // What the poller knows of each conversation besides a timestamp: the list's
        // latest message and unread count, whether every client message is in the ledger (new
        // ones are then found by id), and reads that failed.
        ("v4-conversation-signature", """
                ALTER TABLE conversation_mark ADD COLUMN latest_id TEXT;
                ALTER TABLE conversation_mark ADD COLUMN unread INTEGER;
                ALTER TABLE conversation_mark ADD COLUMN detailed INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE conversation_mark ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE conversation_mark ADD COLUMN retry_at REAL;
            """),
        // Sends waiting for the photographer's approval: each holds its send key until
        // it is sent, rejected, withdrawn or expired.
        ("v5-approvals", """
                CREATE TABLE approval (
                    id TEXT PRIMARY KEY,
                    conversation_id TEXT NOT NULL,
                    client_name TEXT NOT NULL,
                    content TEXT NOT NULL,
                    edited TEXT,
                    attachments TEXT NOT NULL,
                    send_key TEXT NOT NULL,
                    script TEXT NOT NULL,
                    position TEXT NOT NULL,
                    why TEXT NOT NULL,
                    latest_message_id TEXT,
                    state TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    decided_at REAL,
                    detail TEXT,
                    message_id TEXT
                );
                CREATE INDEX approval_open ON approval(state, conversation_id);
                CREATE UNIQUE INDEX approval_holds ON approval(conversation_id, send_key) WHERE state IN ('pending', 'approved');
            """),
        // Notifications: each kept until every target has it or was given up on; a
        // condition notifies once until it clears. Targets are recorded by a digest, never by URL.
        // A request also records the send cap and zone it is to be sent under; a send, the script
        // line that made it (the dashboard's results per message).
        ("v6-notices", """
                CREATE TABLE notice (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    condition TEXT,
                    title TEXT NOT NULL,
                    text TEXT NOT NULL,
                    script TEXT,
                    origin TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE INDEX notice_by_origin ON notice(origin, created_at);
                CREATE TABLE notice_delivery (
                    notice_id INTEGER NOT NULL,
                    target TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'given up')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    done_at REAL,
                    PRIMARY KEY (notice_id, target)
                );
                CREATE INDEX notice_delivery_pending ON notice_delivery(target, notice_id) WHERE state = 'pending';
                CREATE TABLE notice_condition (
                    name TEXT PRIMARY KEY,
                    raised_at REAL NOT NULL,
                    detail TEXT NOT NULL
                );
                ALTER TABLE approval ADD COLUMN notified_at REAL;
                ALTER TABLE approval ADD COLUMN max_sends INTEGER;
                ALTER TABLE approval ADD COLUMN zone TEXT;
                CREATE TABLE send_origin (
                    message_id TEXT PRIMARY KEY,
                    position TEXT NOT NULL
                );
            """),
        // A schedule's last run that failed (raised, or its sends failed) says so in `status` and
        // the dashboard, never "ran"; each conversation id shown to a person comes with its
        // client's name, as last seen (`conversation_name`).
        ("v7-schedule-failures", """
                ALTER TABLE schedule ADD COLUMN last_failure TEXT;
                ALTER TABLE event ADD COLUMN retried INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE conversation_name (
                    conversation_id TEXT PRIMARY KEY,
                    name TEXT NOT NULL
                );
            """),
        // When a schedule was first known to a daemon: one that has never run catches up a run missed
        // while the daemon was down from then, as one that ran does from its last run.
        ("v8-schedule-first-seen", """
                ALTER TABLE schedule ADD COLUMN first_seen REAL;
            """),
    ]

    /// Brings an existing state up to date.
    package static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.identifier) { db in try db.execute(sql: migration.sql) }
        }
        return migrator
    }

    /// Builds the schema of a new state in one transaction: every migration's SQL, and their
    /// identifiers recorded as GRDB's migrator records them (so it finds nothing left to do).
    /// One pass instead of one migration after another is a fifth of a new state's start-up.
    package static func buildNew(_ db: Database) throws {
        try db.inTransaction {
            for migration in migrations { try db.execute(sql: migration.sql) }
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            for migration in migrations {
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [migration.identifier])
            }
            return .commit
        }
    }
}
