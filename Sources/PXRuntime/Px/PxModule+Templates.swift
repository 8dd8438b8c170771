import LuaKit

extension PxModule {
    /// `px.template.render(text, vars)`, `px.template.file(path, vars)`.
    static func installTemplates(on lua: LuaState, context: PxContext) {
        let partial: (String) throws -> String = { name in
            for candidate in [name, name + ".mustache", name + ".txt"] {
                if let bytes = try? context.policy.read(candidate) {
                    // As for template files, the newline that ends the file is the editor's.
                    var text = String(decoding: bytes, as: UTF8.self)
                    if text.hasSuffix("\n") { text.removeLast() }
                    return text
                }
            }
            throw LuaScriptError("template partial '\(name)' not found (looked for \(name), \(name).mustache and \(name).txt beside the script)")
        }
        lua.register("render", in: "px.template") { args in
            let text = try args.string(1)
            let data = args.value(2)
            do {
                return [.text(try PlainTemplate.render(text, name: "template", data: data, partial: partial))]
            } catch let problem as PlainTemplate.Problem {
                throw LuaScriptError(problem.description)
            }
        }
        lua.register("file", in: "px.template") { args in
            let path = try args.string(1)
            let data = args.value(2)
            let source: [UInt8]
            do {
                source = try context.policy.read(path)
            } catch let error as FilePolicyError {
                throw PxError.from(error)
            }
            do {
                // The newline that ends a template file is the editor's, not the message's.
                var text = try PlainTemplate.render(String(decoding: source, as: UTF8.self), name: path, data: data, partial: partial)
                if text.hasSuffix("\n") { text.removeLast() }
                return [.text(text)]
            } catch let problem as PlainTemplate.Problem {
                throw LuaScriptError(problem.description)
            }
        }
    }
}
