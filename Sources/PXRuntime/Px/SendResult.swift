import LuaKit
import PixiesetModels
import PXState

/// What a send came to, with no Lua in it (docs/spec.md §4 "Send keys"): the
/// answer the send pipeline gives every caller — `px.send`, which turns it
/// into a table at its own boundary (`luaValue`), and the sending of approved
/// requests, which reads the message from it.
enum SendResult: Sendable, Equatable {
    /// Made now.
    case sent(Message)
    /// Its key was sent before: the message that was.
    case skipped(Message)
    /// A dry run's placeholder (`msg_dry_run_…`): nothing left this machine.
    case planned(Message)
    /// Waiting for the photographer (`approve = true`), or would wait in a dry run.
    case asked(approval: String, state: Approval.State)

    /// The message in the conversation, when there is one.
    var message: Message? {
        switch self {
        case .sent(let message), .skipped(let message), .planned(let message): message
        case .asked: nil
        }
    }

    /// What `px.send` returns: the message (`automated = true`, a dry run's with `dry_run = true`),
    /// or `{ approval = "apr_…", status = "pending" }`.
    var luaValue: LuaValue {
        switch self {
        case .sent(let message), .skipped(let message): return message.sentLuaValue
        case .planned(let message):
            guard case .map(var fields) = message.sentLuaValue else { return .nil }
            fields[.text("dry_run")] = .boolean(true)
            return .map(fields)
        case .asked(let id, let state):
            return .map([.text("approval"): .text(id), .text("status"): .text(state.rawValue)])
        }
    }
}
