import Foundation
import LuaKit
import Mustache

/// Mustache templates rendered as plain text (SPEC §4): no HTML escaping,
/// so "Smith & Co" stays as written; a variable the data lacks is an error
/// naming it; partials come from `partial(name)` (files under the policy).
enum PlainTemplate {
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// - Parameters:
    ///   - name: the template's name in messages (a path, or "template").
    ///   - partial: the text of the partial `name`, read on demand.
    static func render(_ text: String, name: String, data: LuaValue, partial: (String) throws -> String) throws -> String {
        var library = MustacheLibrary()
        let template = try parse(text, name: name)
        // Partials are found by scanning the text for {{> name}}, recursively.
        var pending = partialNames(in: text), loaded = Set<String>()
        while let next = pending.popLast() {
            guard loaded.insert(next).inserted else { continue }
            let source = try partial(next)
            library.register(try parse(source, name: next), named: next)
            pending += partialNames(in: source)
        }
        let missing = MissingNames()
        guard case .map = data else {
            if case .nil = data { return try finish(template.render(Scope(fields: [:], missing: missing), library: library), missing, name) }
            throw Problem(description: "the data of \(name) must be a table, got \(data.typeName)")
        }
        let scope = Scope(fields: Self.object(data) as? [String: Any] ?? [:], missing: missing)
        return try finish(template.render(scope, library: library), missing, name)
    }

    private static func finish(_ text: String, _ missing: MissingNames, _ name: String) throws -> String {
        guard missing.names.isEmpty else {
            let names = missing.names.map { "'\($0)'" }.joined(separator: ", ")
            throw Problem(description: "\(name): the data has no \(names) (give it in the table, or use {{#name}}…{{/name}} for optional parts)")
        }
        return text
    }

    private static func parse(_ text: String, name: String) throws -> MustacheTemplate {
        do {
            return try MustacheTemplate(string: "{{%CONTENT_TYPE:TEXT}}" + text)
        } catch let error as MustacheTemplate.ParserError {
            throw Problem(description: "\(name):\(error.context.lineNumber): \(error.error) in the template, near \"\(error.context.line.prefix(60))\"")
        } catch {
            throw Problem(description: "\(name): \(error)")
        }
    }

    static func partialNames(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{>") {
            rest = rest[open.upperBound...]
            guard let close = rest.range(of: "}}") else { break }
            names.append(rest[..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return names
    }

    /// Lua values as Mustache sees them.
    static func object(_ value: LuaValue) -> Any? {
        switch value {
        case .nil, .opaque: nil
        case .boolean(let flag): flag
        case .integer(let number): Int(number)
        case .number(let number): number
        case .string(let bytes): String(decoding: bytes, as: UTF8.self)
        case .array(let items): items.compactMap(object)
        case .map(let pairs):
            Dictionary(pairs.compactMap { key, item in key.text.flatMap { name in object(item).map { (name, $0) } } }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// The names looked up and not found at the top of the data.
    final class MissingNames {
        var names: [String] = []
    }

    /// The data's top level: a name it lacks is recorded when rendered as a
    /// variable, and is empty and false for sections.
    struct Scope: MustacheParent {
        let fields: [String: Any]
        let missing: MissingNames

        func child(named name: String) -> Any? { fields[name] ?? Missing(name: name, names: missing) }
    }

    struct Missing: MustacheCustomRenderable, MustacheParent {
        let name: String
        let names: MissingNames

        var renderText: String {
            if !names.names.contains(name) { names.names.append(name) }
            return ""
        }

        var isNull: Bool { true }
        func child(named _: String) -> Any? { self }
    }
}
