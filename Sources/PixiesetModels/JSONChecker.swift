/// A builder that builds nothing: for checking that a text is JSON.
public struct JSONChecker: JSONBuilder {
    public init() {}
    public func null() {}
    public func boolean(_ value: Bool) {}
    public func integer(_ value: Int64) {}
    public func number(_ value: Double) {}
    public func string(_ bytes: [UInt8]) {}
    public func array(_ items: [Void]) {}
    public func object(_ members: [(key: [UInt8], value: Void)]) {}
}

/// JSON's one-character escapes (RFC 8259 §7), for every reader here.
enum JSONEscape {
    /// The byte `\x` stands for, for `x` one of `" \ / b f n r t`; nil otherwise.
    static func simple(_ escape: UInt8) -> UInt8? {
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): escape
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
    }
}
