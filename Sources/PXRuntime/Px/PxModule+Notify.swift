import Foundation
import LuaKit
import PXState

extension PxModule {
    /// `px.notify(text [, { title = … }])`: a notification to the photographer.
    /// Returns true when it was posted, false when the script's hourly limit dropped it.
    static func installNotify(on lua: LuaState, context: PxContext) {
        lua.register("notify", in: "px") { args in
            let text = try args.string(1)
            let options = try OptionsTable(args, 2, known: ["title"])
            let title = try options.string("title")
            guard !text.allSatisfy(\.isWhitespace) else {
                throw LuaScriptError("bad argument #1 to 'notify' (text expected, got an empty string)")
            }
            guard text.utf8.count <= PxContext.noticeLimit else {
                throw LuaScriptError("bad argument #1 to 'notify' (at most \(PxContext.noticeLimit) bytes, got \(text.utf8.count))")
            }
            if let title, title.utf8.count > 200 || title.contains("\n") {
                throw LuaScriptError("bad argument #2 to 'notify' (field 'title' must be one line of at most 200 bytes)")
            }
            return [.boolean(context.notify(text, title: title, position: args.position))]
        }
    }
}
