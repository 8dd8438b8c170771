/// How a send's key and a schedule's identity read to a photographer: the
/// state stores them with prefixes (`k:`, `h:`, `e:`, `name:`) that keep the
/// kinds apart, and output shows them without (`key=k:holiday-2026`
/// and `schedule name:morning digest` confused a newcomer).
public enum SendKeyText {
    /// `k:holiday-2026` → `key 'holiday-2026'`; a derived key → `the same text`; a handler's → `reply 1 to msg_…`.
    public static func readable(_ key: String) -> String {
        if key.hasPrefix("k:") { return "key '\(key.dropFirst(2).prefix(60))'" }
        if key.hasPrefix("h:") { return "the same text" }
        if key.hasPrefix("e:") {
            // e:EVENT:N, where EVENT is a message id or s:SCHEDULE@TIME.
            let body = key.dropFirst(2)
            let ordinal = body.split(separator: ":").last.map(String.init) ?? "1"
            let event = body.dropLast(ordinal.count + 1)
            // Keyed by text (HandlerRun's textKey): m, a px.map item's send; t, a retried event's new send.
            let byText = ordinal.hasPrefix("m") || ordinal.hasPrefix("t")
            let send = byText ? (ordinal.hasPrefix("m") ? "the same text from px.map" : "the same text") : "send \(ordinal)"
            if event.hasPrefix("s:") {
                let schedule = event.dropFirst(2).split(separator: "@", maxSplits: 1).first.map(String.init) ?? ""
                return "\(send) of the run of schedule \(scheduleName(schedule))"
            }
            return byText ? "\(send) for \(event.prefix(60))" : "reply \(ordinal) to \(event.prefix(60))"
        }
        return "key '\(key.prefix(60))'"
    }

    /// `name:morning digest` → `'morning digest'`; `every:1h#1` → `every 1h`; `cron:0 9 * * *#2` → `cron 0 9 * * * (#2)`.
    public static func scheduleName(_ id: String) -> String {
        if id.hasPrefix("name:") { return "'\(id.dropFirst(5))'" }
        guard let colon = id.firstIndex(of: ":"), let hash = id.lastIndex(of: "#") else { return id }
        let kind = id[..<colon], spec = id[id.index(after: colon)..<hash], ordinal = id[id.index(after: hash)...]
        return "\(kind) \(spec)" + (ordinal == "1" ? "" : " (#\(ordinal))")
    }
}
