import Foundation
import LuaKit
import Mustache
import PXState

/// Mustache templates rendered as plain text (docs/spec.md §4): no HTML escaping,
/// so "Smith & Co" stays as written; a variable the data lacks is an error
/// naming it; partials come from `partial(name)` (files under the policy).
enum PlainTemplate {
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// How deep partials may include partials.
    static let maxPartialDepth = 10
    /// The largest template or partial file read (a message is a few kilobytes).
    static let maxFileBytes = 1 << 20

    /// What rendering may spend: steps (each value looked up, each item of a
    /// list rendered) and bytes of text, from the run's instruction budget and
    /// memory headroom. Rendering runs in Swift, where no hook counts, so the
    /// data's values count here: once spent, lookups find nothing and lists
    /// are empty, the render ends quickly, and the run gets the limit's error.
    final class Meter {
        var steps: Int64
        var bytes: Int
        private(set) var spentSteps: Int64 = 0
        private(set) var stepsExceeded = false
        private(set) var bytesExceeded = false

        init(steps: Int64, bytes: Int) {
            self.steps = steps
            self.bytes = bytes
        }

        /// Takes one step; false once the budget is spent.
        func step() -> Bool {
            guard !stepsExceeded, !bytesExceeded else { return false }
            spentSteps += 1
            if spentSteps > steps { stepsExceeded = true }
            return !stepsExceeded
        }

        /// Takes `count` bytes of output; false once the headroom is spent.
        func take(bytes count: Int) -> Bool {
            guard !bytesExceeded else { return false }
            if count > bytes { bytesExceeded = true } else { bytes -= count }
            return !bytesExceeded
        }
    }

    /// - Parameters:
    ///   - name: the template's name in messages (a path, or "template").
    ///   - partial: the text of the partial `name`, read on demand.
    ///   - meter: what rendering may spend (see `Meter`).
    static func render(_ text: String, name: String, data: LuaValue, meter: Meter, partial: (String) throws -> String) throws -> String {
        var library = MustacheLibrary()
        let template = try parse(text, name: name)
        // Partials are found by scanning the text for {{> name}}, recursively; a
        // partial that includes itself, or includes too deep, is refused here.
        var pending = partialNames(in: text).map { (name: $0, chain: [name]) }, loaded = Set<String>()
        while let next = pending.popLast() {
            guard !next.chain.contains(next.name) else {
                throw Problem(description: "\(name): the partial '\(next.name)' includes itself (\((next.chain + [next.name]).joined(separator: " > ")))")
            }
            guard next.chain.count <= maxPartialDepth else {
                throw Problem(description: "\(name): partials include partials more than \(maxPartialDepth) deep (\(next.chain.joined(separator: " > ")))")
            }
            let source = try partial(next.name)
            pending += partialNames(in: source).map { (name: $0, chain: next.chain + [next.name]) }
            guard loaded.insert(next.name).inserted else { continue }
            library.register(try parse(source, name: next.name), named: next.name)
        }
        let missing = MissingNames()
        let fields: [String: Any]
        switch data {
        case .nil: fields = [:]
        case .map: fields = (Self.object(data, meter: meter) as? Node)?.fields ?? [:]
        default: throw Problem(description: "the data of \(name) must be a table, got \(data.typeName)")
        }
        let rendered = template.render(Scope(fields: fields, missing: missing, meter: meter), library: library)
        guard meter.take(bytes: rendered.utf8.count) else { throw Exceeded.memory(rendered.utf8.count) }
        if meter.stepsExceeded { throw Exceeded.instructions(meter.spentSteps) }
        return try finish(rendered, missing, name)
    }

    /// A render that passed the run's limits.
    enum Exceeded: Error {
        case instructions(Int64)
        case memory(Int)
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

    /// Lua values as Mustache sees them: tables as metered nodes and lists.
    static func object(_ value: LuaValue, meter: Meter) -> Any? {
        switch value {
        case .nil, .opaque: nil
        case .boolean(let flag): flag
        case .integer(let number): Int(number)
        case .number(let number): number
        case .string(let bytes): String(decoding: bytes, as: UTF8.self)
        case .array(let items): List(items: items.compactMap { object($0, meter: meter) }, meter: meter)
        case .map(let pairs):
            Node(
                fields: Dictionary(
                    pairs.compactMap { key, item in key.text.flatMap { name in object(item, meter: meter).map { (name, $0) } } },
                    uniquingKeysWith: { a, _ in a }),
                meter: meter)
        case .encoded: object(value.plain, meter: meter)
        }
    }

    /// A value looked up, charged: a step, and its length if it is text.
    static func metered(_ value: Any?, _ meter: Meter) -> Any? {
        guard meter.step() else { return nil }
        if let text = value as? String, !meter.take(bytes: text.utf8.count) { return nil }
        return value
    }

    /// A table of the data: each lookup is a step.
    struct Node: MustacheParent {
        let fields: [String: Any]
        let meter: Meter

        func child(named name: String) -> Any? { metered(fields[name], meter) }
    }

    /// A list of the data: each item rendered is a step; once the budget is
    /// spent the list ends, so nested sections cannot multiply the work.
    struct List: MustacheSequence {
        let items: [Any]
        let meter: Meter

        func makeIterator() -> AnyIterator<Any> {
            var index = 0
            return AnyIterator {
                guard index < items.count, meter.step() else { return nil }
                defer { index += 1 }
                return items[index]
            }
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
        let meter: Meter

        func child(named name: String) -> Any? {
            guard let value = fields[name] else { return meter.step() ? Missing(name: name, names: missing) : nil }
            return metered(value, meter)
        }
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
