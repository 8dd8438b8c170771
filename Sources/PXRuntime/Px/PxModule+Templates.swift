import LuaKit
import PXState

extension PxModule {
    /// `px.template.render(text, vars)`, `px.template.file(path, vars)`.
    static func installTemplates(on lua: LuaState, context: PxContext) {
        let partial: (String) throws -> String = { name in
            for candidate in [name, name + ".mustache", name + ".txt"] {
                if let bytes = try? context.policy.read(candidate, maxBytes: PlainTemplate.maxFileBytes + 1) {
                    guard bytes.count <= PlainTemplate.maxFileBytes else {
                        throw LuaScriptError("template partial '\(name)' is larger than \(PlainTemplate.maxFileBytes >> 20) MiB")
                    }
                    // As for template files, the newline that ends the file is the editor's.
                    var text = String(decoding: bytes, as: UTF8.self)
                    if text.hasSuffix("\n") { text.removeLast() }
                    return text
                }
            }
            throw LuaScriptError("template partial '\(name)' not found (looked for \(name), \(name).mustache and \(name).txt beside the script)")
        }
        /// Renders within the run's limits: what the template spent is charged to the run.
        func render(_ text: String, name: String, _ args: LuaArguments) throws -> String {
            let meter = PlainTemplate.Meter(steps: args.remainingInstructions, bytes: args.memoryHeadroom)
            do {
                let text = try PlainTemplate.render(text, name: name, data: args.value(2), meter: meter, partial: partial)
                try args.spend(meter.spentSteps)
                return text
            } catch let problem as PlainTemplate.Problem {
                throw LuaScriptError(problem.description)
            } catch PlainTemplate.Exceeded.instructions {
                try args.exhaustInstructions()
            } catch PlainTemplate.Exceeded.memory(let bytes) {
                try args.exceedMemory(by: bytes)
            }
        }
        lua.register("render", in: "px.template") { args in
            [.text(try render(try args.string(1), name: "template", args))]
        }
        lua.register("file", in: "px.template") { args in
            let path = try args.string(1)
            let source: [UInt8]
            do {
                source = try context.policy.read(path, maxBytes: PlainTemplate.maxFileBytes + 1)
            } catch let error as FilePolicyError {
                throw PxError.from(error)
            }
            guard source.count <= PlainTemplate.maxFileBytes else {
                throw LuaScriptError("bad argument #1 to 'file' (\(path) is larger than \(PlainTemplate.maxFileBytes >> 20) MiB, too large for a template)")
            }
            // The newline that ends a template file is the editor's, not the message's.
            var text = try render(String(decoding: source, as: UTF8.self), name: path, args)
            if text.hasSuffix("\n") { text.removeLast() }
            return [.text(text)]
        }
    }
}
