/// Any JSON value, kept as it came: the `details` of an error body, whose
/// shape is the server's (per-field lists of messages, an expected prefix…)
/// and is handed to scripts unchanged.
public indirect enum JSONFragment: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONFragment])
    /// Members in the order they came (JSON objects are unordered to `Codable`; sorted by key here).
    case object([String: JSONFragment])

    public init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { self = .null; return }
        if let value = try? single.decode(Bool.self) { self = .bool(value); return }
        if let value = try? single.decode(Int64.self) { self = .integer(value); return }
        if let value = try? single.decode(Double.self) { self = .number(value); return }
        if let value = try? single.decode(String.self) { self = .string(value); return }
        if let value = try? single.decode([JSONFragment].self) { self = .array(value); return }
        self = .object(try single.decode([String: JSONFragment].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        switch self {
        case .null: try single.encodeNil()
        case .bool(let value): try single.encode(value)
        case .integer(let value): try single.encode(value)
        case .number(let value): try single.encode(value)
        case .string(let value): try single.encode(value)
        case .array(let value): try single.encode(value)
        case .object(let value): try single.encode(value)
        }
    }

    /// The same value with every string passed through `transform` (keys too): how secrets are
    /// taken out of what a server wrote before a script or a log sees it.
    public func mapStrings(_ transform: (String) -> String) -> JSONFragment {
        switch self {
        case .string(let text): .string(transform(text))
        case .array(let items): .array(items.map { $0.mapStrings(transform) })
        case .object(let members):
            .object(Dictionary(members.map { (transform($0.key), $0.value.mapStrings(transform)) }, uniquingKeysWith: { first, _ in first }))
        case .null, .bool, .integer, .number: self
        }
    }
}
