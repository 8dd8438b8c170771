import Foundation
import PixiesetKit
import PXNotify
import PXState

/// What goes wrong that the photographer should hear of. Each is
/// raised once, stays raised until it clears, and then notifies once more.
enum NoticeCondition: Sendable, Hashable {
    /// The studio refused the login (expired) or a send's CSRF token: sends wait.
    case session(SessionRefusal)
    /// A handler failed on a conversation as many times as it may and is parked.
    case parked(conversationID: String, client: String, error: String)
    /// The send cap of the day is reached: replies wait for the next day.
    case cap(limit: Int)
    /// A script was edited and does not load: the running version stays, or the script is set aside.
    case reload(script: String, error: String)
    /// This machine failed a state (a lock held past the timeout, a full disk): the daemon waits for it to pass.
    case localFault(LocalFault)

    /// The name it is kept under in the state (one per conversation or script where it is theirs).
    var name: String {
        switch self {
        case .session(let refusal): return refusal.noticeName
        case .parked(let id, _, _): return "parked:" + id
        case .cap: return "cap"
        case .reload(let script, _): return "reload:" + script
        case .localFault: return "local"
        }
    }

    /// The notice when it is raised, and what the cleared one says, from what is kept (`detail`).
    func raised(script: String?, at now: Date) -> (notice: Notice, detail: String) {
        let (title, text, detail): (String, String, String)
        switch self {
        case .session(let refusal):
            if refusal == .csrf {
                title = "pxscript: the studio refused a send (CSRF token)"
                text = "Sends wait; reading goes on. Log in again with `pxscript login` (or set csrf_token in config.toml)."
                detail = "the studio's CSRF token"
            } else {
                title = "pxscript: the Pixieset session expired"
                text = "Nothing is sent until you log in again: run `pxscript login`. The daemon picks up the new cookie by itself."
                detail = "the Pixieset session"
            }
        case .parked(_, let client, let error):
            title = "pxscript: a handler failed for \(client)"
            text = "\(script.map { "\($0): " } ?? "")the handler failed on \(client)'s message as many times as it may and is parked: \(error)"
                + "\nRun `pxscript status\(script.map { " \($0)" } ?? "")` for the traceback."
            detail = client
        case .cap(let limit):
            title = "pxscript: the daily send cap (\(limit)) is reached"
            text = "Replies and sends wait for tomorrow\(script.map { " (\($0))" } ?? ""). Raise it with --max-sends or max_sends in config.toml."
            detail = "the daily send cap"
        case .reload(let script, let error):
            title = "pxscript: \(script) changed but does not load"
            text = "\(error)\nThe version that ran before keeps running (or the script waits, set aside, until you fix it)."
            detail = script
        case .localFault(let fault):
            title = "pxscript: \(fault.kind == .full ? "the disk is full" : "a state file cannot be written")"
            text = "\(fault)\nThe daemon keeps running and tries again; messages wait (none is lost or sent twice) until the state can record them."
                + " `pxscript doctor` says more."
            detail = "the state \(fault.path ?? "file")"
        }
        return (Notice(kind: .raised, condition: name, title: title, text: text, script: script, at: now), detail)
    }

    /// The "cleared" notice of the condition named `name`, raised with `detail`.
    static func cleared(_ name: String, detail: String, script: String?, at now: Date) -> Notice {
        let title: String
        switch name {
        case _ where SessionRefusal(noticeName: name) != nil: title = "pxscript: \(detail) works again; sends go out"
        case "cap": title = "pxscript: sends go out again (a new day under the send cap)"
        case _ where name.hasPrefix("parked:"): title = "pxscript: the handler works again for \(detail)"
        case _ where name.hasPrefix("reload:"): title = "pxscript: \(detail) loads again"
        case "local": title = "pxscript: \(detail) can be written again; messages go out"
        default: title = "pxscript: \(detail) is fine again"
        }
        return Notice(kind: .cleared, condition: name, title: title, text: "", script: script, at: now)
    }
}
