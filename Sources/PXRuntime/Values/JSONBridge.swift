import Foundation
import LuaKit

/// `px.json` and `px.store` values: Lua values to JSON text and back.
/// Integers stay integers; an empty table encodes as `{}`; `null` decodes
/// to nothing (a missing key), as Lua tables hold no nils.
enum JSONBridge {
    struct Problem: Error, CustomStringConvertible {
        let description: String
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

    static func decode(_ text: String) throws -> LuaValue {
        do {
            return try JSONDecoder().decode(JSONNode.self, from: Data(text.utf8)).value
        } catch let error as DecodingError {
            switch error {
            case .dataCorrupted(let context): throw Problem(description: "not JSON: \(context.debugDescription)")
            default: throw Problem(description: "not JSON: \(error)")
            }
        }
    }

    private struct JSONNode: Decodable {
        let value: LuaValue

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                value = .nil
            } else if let flag = try? container.decode(Bool.self) {
                value = .boolean(flag)
            } else if let number = try? container.decode(Int64.self) {
                value = .integer(number)
            } else if let number = try? container.decode(Double.self) {
                value = .number(number)
            } else if let text = try? container.decode(String.self) {
                value = .text(text)
            } else if let items = try? container.decode([JSONNode].self) {
                value = .array(items.map(\.value))
            } else {
                let object = try container.decode([String: JSONNode].self)
                var pairs: [LuaValue: LuaValue] = [:]
                for (key, node) in object where node.value != .nil { pairs[.text(key)] = node.value }
                value = .map(pairs)
            }
        }
    }
}
