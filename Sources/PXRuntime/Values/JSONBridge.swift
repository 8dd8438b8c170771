import Foundation
import LuaKit
import PixiesetModels
import PXState

/// `px.json` and `px.store` values: Lua values to JSON text and back.
/// Integers stay integers; an empty table encodes as `{}`; `null` decodes
/// to nothing (a missing key), as Lua tables hold no nils.
public enum JSONBridge {
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// How deep a server's JSON goes into a Lua value (a px error table's `details` sit two levels down).
    static let maximumDepth = 48

    /// A JSON value from the API (an error's `details`) as a Lua value: null
    /// as nothing, arrays as sequences. Bounded by what the client accepted;
    /// parts nested deeper than `maximumDepth` are left out, so a server's
    /// `details` never stop the error they belong to from reaching the script
    /// (Lua tables nest at most 64 levels).
    static func value(_ fragment: JSONFragment, depth: Int = 0) -> LuaValue {
        guard depth < maximumDepth else { return .nil }
        let inner = { (item: JSONFragment) in Self.value(item, depth: depth + 1) }
        return switch fragment {
        case .null: .nil
        case .bool(let value): .boolean(value)
        case .integer(let value): .integer(value)
        case .number(let value): .number(value)
        case .string(let text): .text(text)
        case .array(let items): .array(items.map(inner))
        case .object(let members):
            .map(Dictionary(members.compactMap { key, item in
                let converted = inner(item)
                if case .nil = converted { return nil }
                return (LuaValue.text(key), converted)
            }, uniquingKeysWith: { first, _ in first }))
        }
    }

    static func encode(_ value: LuaValue) throws -> String {
        var out = ""
        try write(value, into: &out, depth: 0)
        return out
    }

    private static func write(_ value: LuaValue, into out: inout String, depth: Int) throws {
        guard depth < 64 else { throw Problem(description: "a table nested over 64 levels (or a cycle)") }
        switch value {
        case .nil: out += "null"
        case .boolean(let flag): out += flag ? "true" : "false"
        case .integer(let number): out += String(number)
        case .number(let number):
            guard number.isFinite else { throw Problem(description: "\(number) has no JSON form") }
            out += number == number.rounded() && abs(number) < 1e15 ? String(format: "%.1f", number) : "\(number)"
        case .string(let bytes): writeString(String(decoding: bytes, as: UTF8.self), into: &out)
        case .array(let items):
            out += "["
            for (offset, item) in items.enumerated() {
                if offset > 0 { out += "," }
                try write(item, into: &out, depth: depth + 1)
            }
            out += "]"
        case .map(let pairs):
            var keyed: [(String, LuaValue)] = []
            for (key, item) in pairs {
                switch key {
                case .string(let bytes): keyed.append((String(decoding: bytes, as: UTF8.self), item))
                case .integer(let number): keyed.append((String(number), item))
                default: throw Problem(description: "a \(key.typeName) key has no JSON form (keys are strings or integers)")
                }
            }
            out += "{"
            for (offset, (key, item)) in keyed.sorted(by: { $0.0 < $1.0 }).enumerated() {
                if offset > 0 { out += "," }
                writeString(key, into: &out)
                out += ":"
                try write(item, into: &out, depth: depth + 1)
            }
            out += "}"
        case .opaque(let type): throw Problem(description: "a \(type) has no JSON form")
        case .encoded: try write(value.plain, into: &out, depth: depth)
        }
    }

    private static func writeString(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// Parses `text` as RFC 8259 JSON, saying where it goes wrong.
    /// - Parameter maxBytes: what the values built may take (a fixed cost per
    ///   value and the strings' bytes); past it, `TooLarge` is thrown.
    public static func decode(_ text: String, maxBytes: Int = .max) throws -> LuaValue {
        do {
            return try StrictJSON.parse(Array(text.utf8), with: LuaBuilder(budget: Budget(bytes: maxBytes)))
        } catch let error as JSONSyntaxError {
            throw Problem(description: "not JSON: \(error)")
        }
    }

    /// The values a decode built took more than its budget.
    struct TooLarge: Error {}

    final class Budget {
        var bytes: Int
        init(bytes: Int) { self.bytes = bytes }
        func take(_ count: Int) throws {
            bytes -= count
            if bytes < 0 { throw TooLarge() }
        }
    }

    /// Builds Lua values as the parser reads: `null` members are left out
    /// (a Lua table holds no nils); `null` items stay as holes of the array.
    private struct LuaBuilder: JSONBuilder {
        let budget: Budget
        func null() throws -> LuaValue { try budget.take(16); return .nil }
        func boolean(_ value: Bool) throws -> LuaValue { try budget.take(16); return .boolean(value) }
        func integer(_ value: Int64) throws -> LuaValue { try budget.take(16); return .integer(value) }
        func number(_ value: Double) throws -> LuaValue { try budget.take(16); return .number(value) }
        func string(_ bytes: [UInt8]) throws -> LuaValue { try budget.take(16 + bytes.count); return .string(bytes) }
        func array(_ items: [LuaValue]) throws -> LuaValue { try budget.take(16 + 8 * items.count); return .array(items) }
        func object(_ members: [(key: [UInt8], value: LuaValue)]) throws -> LuaValue {
            try budget.take(16 + 48 * members.count)
            var pairs: [LuaValue: LuaValue] = [:]
            pairs.reserveCapacity(members.count)
            for member in members where member.value != .nil { pairs[.string(member.key)] = member.value }
            return .map(pairs)
        }
    }
}
