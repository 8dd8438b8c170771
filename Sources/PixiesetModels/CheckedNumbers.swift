/// Conversions of numbers that come from outside (a script, a flag, a
/// config file, a server) into integers and durations, which never trap
/// (CONVENTIONS "Numbers and time"): Swift's `Int64(_: Double)` kills the
/// process on NaN, infinity or a value out of range. `SourceRulesTests`
/// refuses a float-to-integer conversion written any other way.
extension Int64 {
    /// `value` rounded toward zero and clamped to `Int64`'s range; NaN is 0.
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 9.223372036854775e18 {
            self = .max
        } else if value <= -9.223372036854775e18 {
            self = .min
        } else {
            self = Int64(value.rounded(.towardZero))  // checked: in range and not NaN above
        }
    }
}

extension Int64 {
    /// `self - other`, clamped to `Int64`'s range instead of trapping (a time less an allowance,
    /// where the time may be `.min` for "no floor").
    public func minus(_ other: Int64) -> Int64 {
        let (result, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other > 0 ? .min : .max) : result
    }

    /// `self + other`, clamped to `Int64`'s range instead of trapping.
    public func plus(_ other: Int64) -> Int64 {
        let (result, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : result
    }
}

extension Int {
    /// `value` rounded toward zero and clamped to `Int`'s range; NaN is 0.
    public init(saturating value: Double) { self = Int(truncatingIfNeeded: Int64(saturating: value)) }
}

extension Duration {
    /// The longest wait anything in pxscript asks for: a century. Longer is
    /// a mistake, and past it `Duration`'s arithmetic could overflow.
    public static let longestWait: Double = 3_155_760_000

    /// This duration in seconds, fractions kept (a measured time, a wait to move a virtual clock by).
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// `seconds` as a duration, clamped to [0, a century]; NaN is zero.
    public static func seconds(clamping seconds: Double) -> Duration {
        guard seconds > 0 else { return .zero }
        return .milliseconds(Int64(saturating: min(seconds, longestWait) * 1000))
    }
}
