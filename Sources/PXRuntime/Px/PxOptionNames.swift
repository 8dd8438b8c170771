/// The options each px function takes in a table, in one place: the
/// functions refuse any other when called, and `pxscript check` names an
/// unknown one at its line before anything runs, with the
/// nearest known name.
enum PxOptionNames {
    static let send: Set<String> = ["attachments", "key", "approve", "expires"]
    static let list: Set<String> = ["client_id", "page", "page_size", "per_page", "message", "message_status"]
    static let awaiting: Set<String> = ["on", "older_than", "newer_than", "client_id", "automated"]
    static let handler: Set<String> = ["max_age", "debounce"]
    static let schedule: Set<String> = ["name"]

    /// A call's options: the argument they are in (counted as the script writes the call), and their names.
    struct Options {
        let position: Int
        let names: Set<String>
    }

    /// By the name a script calls (`px.send`), or `:reply` for `event:reply`.
    static let byFunction: [String: Options] = [
        "px.conversations.list": Options(position: 1, names: list),
        "px.conversations.each": Options(position: 1, names: list.subtracting(["page"])),
        "px.conversations.get": Options(position: 2, names: ["messages"]),
        "px.conversations.awaiting": Options(position: 1, names: awaiting),
        "px.send": Options(position: 3, names: send),
        "px.messages.send": Options(position: 1, names: send.union(["conversation_id", "content"])),
        "px.attachments.upload": Options(position: 2, names: ["filename", "content_type"]),
        "px.map": Options(position: 3, names: ["concurrency"]),
        "px.on": Options(position: 3, names: handler),
        "px.every": Options(position: 3, names: schedule),
        "px.cron": Options(position: 3, names: schedule),
        "px.at": Options(position: 3, names: schedule),
        "px.after": Options(position: 3, names: []),
        "px.time.parse": Options(position: 2, names: ["tz"]),
        "px.hours": Options(position: 2, names: ["tz"]),
        "px.notify": Options(position: 2, names: ["title"]),
        ":reply": Options(position: 2, names: send),
    ]
}
