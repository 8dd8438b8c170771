import Foundation
import LuaKit
import PixiesetKit
import PXState

extension PxModule {
    /// `px.send`, `px.messages.send`, `px.attachments.upload`.
    static func installMessages(on lua: LuaState, context: PxContext) {
        lua.registerAsync("send", in: "px") { args in
            let conversationID = try args.string(1)
            let content = try args.string(2)
            let options = try OptionsTable(args, 3, known: PxOptionNames.send)
            var request = try handlerSend(SendRequest(
                conversationID: conversationID, content: content, attachments: try attachments(options),
                key: try options.string("key"), position: args.position), args, context)
            request.approve = try approval(options)
            let asked = request
            return { do { return [try await context.send(asked).luaValue] } catch { throw PxError.from(error) } }
        }
        lua.registerAsync("send", in: "px.messages") { args in
            let options = try OptionsTable(args, 1, known: PxOptionNames.send.union(["conversation_id", "content"]))
            guard let conversationID = try options.string("conversation_id") else {
                throw options.problem("conversation_id", "a string", got: .nil)
            }
            guard let content = try options.string("content") else { throw options.problem("content", "a string", got: .nil) }
            var request = try handlerSend(SendRequest(
                conversationID: conversationID, content: content, attachments: try attachments(options),
                key: try options.string("key"), position: args.position), args, context)
            request.approve = try approval(options)
            let asked = request
            return { do { return [try await context.send(asked).luaValue] } catch { throw PxError.from(error) } }
        }
        lua.registerAsync("upload", in: "px.attachments") { args in
            let path = try args.string(1)
            let options = try OptionsTable(args, 2, known: ["filename", "content_type"])
            let filename = try options.string("filename"), contentType = try options.string("content_type")
            return {
                do {
                    let readable = try context.policy.readablePath(path)
                    let name = filename ?? URL(fileURLWithPath: path).lastPathComponent
                    if context.options.dryRun {
                        return [.map([
                            .text("id"): .text("att_dry_run_\(context.plan.nextPlaceholder())"), .text("filename"): .text(name),
                            .text("content_type"): .text(contentType ?? ContentTypes.forFile(name)), .text("dry_run"): .boolean(true),
                        ])]
                    }
                    let uploaded = try await context.client.upload(fileAt: readable, filename: filename, contentType: contentType)
                    return [.map([
                        .text("id"): .text(uploaded.id), .text("filename"): .text(uploaded.filename),
                        .text("content_type"): .text(uploaded.contentType), .text("file_size"): .integer(Int64(uploaded.size)),
                    ])]
                } catch { throw PxError.from(error) }
            }
        }
    }

    /// `approve = true` (with `expires =`, default two days): the send waits for the photographer.
    static func approval(_ options: OptionsTable) throws -> ApprovalAsk? {
        let expires = try options.duration("expires")
        guard try options.boolean("approve") == true else {
            if expires != nil { throw options.problem("expires", "used with approve = true", got: options.value("expires")) }
            return nil
        }
        if let expires, expires <= 0 || expires > 366 * 86_400 {
            throw LuaScriptError("bad argument to 'send' (field 'expires' must be from a second to a year)")
        }
        return ApprovalAsk(why: "approve = true", expires: expires ?? ApprovalAsk.defaultExpiry)
    }

    /// Under watch: a send belongs to a handler run, keyed by (event, ordinal)
    /// so a retried handler never repeats one; from the top level it is refused.
    static func handlerSend(_ request: SendRequest, _ args: LuaArguments, _ context: PxContext) throws -> SendRequest {
        guard context.options.watch else { return request }
        guard let run = HandlerRun.current else {
            throw LuaScriptError(
                "a send from the top level of a watched script: the top level registers handlers (px.on) and may read; send from a handler")
        }
        var request = request
        request.eventKey = run.sendKey(request)
        return request
    }

    /// `attachments = { "att_…", "guide.pdf", { path =, filename =, content_type = } }`.
    static func attachments(_ options: OptionsTable) throws -> [AttachmentSpec] {
        let items: [LuaValue]
        switch options.value("attachments") {
        case .nil: return []
        case .array(let list): items = list
        case .map(let pairs) where pairs.isEmpty: return []
        case .string: items = [options.value("attachments")]
        case let other: throw options.problem("attachments", "a list", got: other)
        }
        return try items.map { item in
            switch item {
            case .string(let bytes):
                let text = String(decoding: bytes, as: UTF8.self)
                return text.hasPrefix("att_") ? .id(text) : .file(path: text, filename: nil, contentType: nil)
            case .map(let pairs):
                guard let path = pairs[.text("path")]?.text else {
                    throw LuaScriptError("bad argument #\(options.position) to '\(options.function)' (an attachment table needs path = \"…\")")
                }
                return .file(path: path, filename: pairs[.text("filename")]?.text, contentType: pairs[.text("content_type")]?.text)
            default:
                throw LuaScriptError(
                    "bad argument #\(options.position) to '\(options.function)' (attachments are \"att_…\" ids, paths or {path = …} tables, got \(item.typeName))")
            }
        }
    }
}
