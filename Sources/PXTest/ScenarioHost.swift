import Foundation
import LuaKit
import PXRuntime
import Synchronization

/// What a scenario file's Lua state shares with the runner: the scenarios
/// it declared, and the world of the scenario running now.
final class ScenarioSession: Sendable {
    struct Declared: Sendable {
        let name: String
        let options: ScenarioOptions.PerScenario
    }

    let declared = Mutex<[Declared]>([])
    let current = Mutex<ScenarioWorld?>(nil)

    /// The running scenario's world; outside one, a px.test call is a mistake.
    func world(_ function: String) throws -> ScenarioWorld {
        guard let world = current.withLock({ $0 }) else {
            throw LuaScriptError("s:\(function) belongs inside a scenario (px.test.scenario(name, function(s) … end))")
        }
        return world
    }
}

/// The host functions behind the prelude's `px.test.__host`:
/// each checks its arguments like Lua's own library, then works on the
/// running scenario's world.
enum ScenarioHost {
    static func install(on lua: LuaState, session: ScenarioSession) {
        let table = "px.test.__host"
        lua.register("declare", in: table) { args in
            let name = try args.string(1)
            let options = try ScenarioOptions.PerScenario(try args.table(2))
            try session.declared.withLock { declared in
                if declared.contains(where: { $0.name == name }) { throw LuaScriptError("bad argument #1 to 'scenario' (a second scenario named \"\(name)\")") }
                declared.append(.init(name: name, options: options))
            }
            return []
        }
        lua.registerAsync("at", in: table) { args in
            let text = try args.string(1), world = try session.world("at")
            return { try await world.at(text); return [] }
        }
        lua.registerAsync("now", in: table) { _ in
            let world = try session.world("now")
            return { [.text(await world.now())] }
        }
        lua.registerAsync("conversation", in: table) { args in
            let spec = try Fields(try args.table(1), function: "conversation", argument: 1, known: ["client", "email", "subject"])
            let client = try spec.string("client", required: true) ?? "", email = try spec.string("email"), subject = try spec.string("subject")
            let world = try session.world("conversation")
            return { [.text(try await world.conversation(client: client, email: email, subject: subject))] }
        }
        lua.registerAsync("write", in: table) { args in
            let byClient = try args.string(1) == "client", name = byClient ? "client_writes" : "studio_writes"
            let conversation = try args.string(2), text = try args.string(3)
            let options = try Fields(args.count >= 4 ? try args.value(4) : .nil, function: name, argument: 3, known: ["after"])
            let after = try options.duration("after")
            let world = try session.world(name)
            return { try await world.write(byClient: byClient, conversation: conversation, text: text, after: after); return [] }
        }
        lua.registerAsync("advance", in: table) { args in
            guard let seconds = try Fields.duration(try args.value(1)) else {
                throw LuaScriptError("bad argument #1 to 'advance' (a duration like \"3d\" or seconds expected)")
            }
            let world = try session.world("advance")
            return { await world.advance(by: seconds); try await world.failIfDaemonEnded(); return [] }
        }
        lua.registerAsync("run", in: table) { args in
            let script = try args.string(1)
            let options = try Fields(try args.value(2), function: "run", argument: 2, known: ["args", "max_sends"])
            let arguments = try options.strings("args"), cap = try options.integer("max_sends", in: 1...1_000_000)
            let world = try session.world("run")
            return { try await world.run(script, arguments: arguments, maxSends: cap).map(LuaValue.text) }
        }
        lua.registerAsync("watch", in: table) { args in
            var scripts: [String] = [], interval = 30.0, cap: Int?
            for position in 1...max(1, args.count) {
                switch try args.value(position) {
                case .string: scripts.append(try args.string(position))
                case let value where position == args.count && position > 1:
                    let options = try Fields(value, function: "watch", argument: position, known: ["interval", "max_sends"])
                    interval = try options.duration("interval") ?? interval
                    cap = try options.integer("max_sends", in: 1...1_000_000)
                case let value: throw args.typeError(position, expected: value == .nil ? "script name" : "string")
                }
            }
            guard interval >= 1 else { throw LuaScriptError("bad argument to 'watch' (interval: at least 1s)") }
            let world = try session.world("watch"), names = scripts, every = interval, maxSends = cap
            return { try await world.watch(names, interval: every, maxSends: maxSends); return [] }
        }
        lua.registerAsync("faults", in: table) { args in
            let spec = try Fields(try args.table(1), function: "faults", argument: 1).faultSpec()
            let world = try session.world("faults")
            return { try await world.faults(spec); return [] }
        }
        lua.registerAsync("store", in: table) { args in
            let key = try args.string(1), script = try args.optionalString(2), world = try session.world("store")
            return { [try await world.stored(key, script: script)] }
        }
        lua.registerAsync("journal", in: table) { args in
            let script = try args.optionalString(1), world = try session.world("journal")
            return { [try await world.journal(script: script)] }
        }
        lua.registerAsync("approvals", in: table) { args in
            let script = try args.optionalString(1), world = try session.world("approvals")
            return { [try await world.approvals(script: script)] }
        }
        lua.registerAsync("notifications", in: table) { args in
            let script = try args.optionalString(1), world = try session.world("notifications")
            return { [try await world.notifications(script: script)] }
        }
        lua.registerAsync("decide", in: table) { args in
            let approve = try args.string(1) == "approve", id = try args.string(2), text = try args.optionalString(3)
            let world = try session.world(approve ? "approve" : "reject")
            return { try await world.decide(id, approve: approve, text: text); return [] }
        }
        lua.registerAsync("unchecked", in: table) { _ in
            let world = try session.world("expect_sent")
            return { [.array(await world.uncheckedSends().map(\.luaValue))] }
        }
        lua.registerAsync("check", in: table) { args in
            let ids = Set(try Fields.strings(try args.value(1), function: "check", argument: 1))
            let world = try session.world("expect_sent")
            return { await world.check(ids); return [] }
        }
    }
}

extension SendRecord {
    var luaValue: LuaValue {
        .map([
            .text("id"): .text(id), .text("conversation"): .text(conversation), .text("client"): .text(client), .text("text"): .text(text),
            .text("at"): .text(at), .text("attachments"): .array(attachments.map(LuaValue.text)), .text("line"): .text(line),
        ])
    }
}
