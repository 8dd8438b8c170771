/// An instant as the API writes it: `2025-08-07T10:30:00.000000Z`.
///
/// Kept as whole microseconds since the Unix epoch so that ordering and
/// equality are exact (a `Double` of seconds rounds at this precision), and
/// with the text it was read from so that a value decoded from the server is
/// written back unchanged.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public let microseconds: Int64
    /// The text as received, or the canonical form for values made here.
    public let text: String

    /// A timestamp in the API's canonical form (six fraction digits, `Z`).
    public init(microseconds: Int64) {
        self.microseconds = microseconds
        self.text = Timestamp.format(microseconds: microseconds, fractionDigits: 6)
    }

    /// A timestamp from any ISO 8601 form the API may send; `nil` when `text` is not one.
    public init?(parsing text: String) {
        guard let us = Timestamp.parse(text) else { return nil }
        self.microseconds = us
        self.text = text
    }

    /// Seconds since the Unix epoch, with fractions.
    public var secondsSince1970: Double { Double(microseconds) / 1_000_000 }

    /// This instant moved by `micros` microseconds.
    public func adding(microseconds micros: Int64) -> Timestamp {
        Timestamp(microseconds: microseconds + micros)
    }

    /// The same instant truncated to whole seconds, written without fraction
    /// and with a `+00:00` offset (the form some servers use).
    public var plainSecondsText: String {
        let whole = microseconds - ((microseconds % 1_000_000) + 1_000_000) % 1_000_000
        let text = Timestamp.format(microseconds: whole, fractionDigits: 0)
        return String(text.dropLast()) + "+00:00"
    }

    public var description: String { text }

    public static func == (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds == rhs.microseconds }
    public func hash(into hasher: inout Hasher) { hasher.combine(microseconds) }
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let us = Timestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not an ISO 8601 timestamp: \(text.prefix(64))")
        }
        self.microseconds = us
        self.text = text
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

extension Timestamp {
    /// Formats `microseconds` as `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`.
    static func format(microseconds: Int64, fractionDigits: Int) -> String {
        let (secondsTotal, fraction) = floorDivide(microseconds, 1_000_000)
        let (days, secondOfDay) = floorDivide(secondsTotal, 86_400)
        let (year, month, day) = CivilDate.fromDays(days)
        var out = ""
        out.reserveCapacity(27)
        out += pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        out += "T" + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay % 3600 / 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if fractionDigits > 0 {
            out += "." + String(pad(fraction, 6).prefix(fractionDigits))
        }
        return out + "Z"
    }

    /// Parses `YYYY-MM-DD[T| ]HH:MM[:SS[.fff…]][Z|±HH[:]MM]`; no zone means UTC.
    static func parse(_ text: String) -> Int64? {
        guard let parts = parseParts(text) else { return nil }
        return parts.wallMicroseconds - (parts.offsetSeconds ?? 0) * 1_000_000
    }

    /// The pieces of an ISO 8601 time: its wall-clock time read as if it
    /// were UTC (microseconds since 1970), and the offset it names, `nil`
    /// when it names none (`2026-11-20T09:00:00`, `2026-11-20`): such a
    /// time is local to whatever zone the caller means (a script's `--tz`).
    public static func parseParts(_ text: String) -> (wallMicroseconds: Int64, offsetSeconds: Int64?)? {
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(digits: 4), scanner.take("-"),
              let month = scanner.number(digits: 2), scanner.take("-"),
              let day = scanner.number(digits: 2),
              (1...12).contains(month), (1...CivilDate.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var seconds = CivilDate.days(year: year, month: month, day: day) * 86_400
        var micros: Int64 = 0
        var offset: Int64?
        if scanner.take("T") || scanner.take("t") || scanner.take(" ") {
            guard let hour = scanner.number(digits: 2), scanner.take(":"),
                  let minute = scanner.number(digits: 2), hour < 24, minute < 60
            else { return nil }
            var second: Int64 = 0
            if scanner.take(":") {
                guard let s = scanner.number(digits: 2), s < 61 else { return nil }
                second = min(s, 59)
                if scanner.take(".") || scanner.take(",") {
                    guard let fraction = scanner.fractionMicroseconds() else { return nil }
                    micros = fraction
                }
            }
            seconds += hour * 3600 + minute * 60 + second
            if scanner.take("Z") || scanner.take("z") {
                offset = 0
            } else if let sign = scanner.sign() {
                guard let offH = scanner.number(digits: 2) else { return nil }
                _ = scanner.take(":")
                let offM = scanner.number(digits: 2) ?? 0
                guard offH < 24, offM < 60 else { return nil }
                offset = sign * (offH * 3600 + offM * 60)
            }
        }
        guard scanner.atEnd else { return nil }
        return (seconds * 1_000_000 + micros, offset)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a >= 0 ? a / b : -((-a + b - 1) / b)
        return (q, a - q * b)
    }
}

/// Days ↔ proleptic Gregorian dates (Howard Hinnant's algorithms).
/// Public for the runtime's wall-clock arithmetic (schedules).
public enum CivilDate {
    /// Days since 1970-01-01 of a date.
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The (year, month, day) of a count of days since 1970-01-01.
    public static func fromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    public static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A cursor over ASCII bytes for the timestamp grammar.
private struct DigitScanner {
    let bytes: [UInt8]
    var index = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    mutating func take(_ char: Character) -> Bool {
        guard index < bytes.count, let ascii = char.asciiValue, bytes[index] == ascii else { return false }
        index += 1
        return true
    }

    mutating func number(digits: Int) -> Int64? {
        guard index + digits <= bytes.count else { return nil }
        var value: Int64 = 0
        for byte in bytes[index..<index + digits] {
            guard (48...57).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - 48)
        }
        index += digits
        return value
    }

    /// Reads one or more fraction digits, keeping the first six (microseconds).
    mutating func fractionMicroseconds() -> Int64? {
        var value: Int64 = 0
        var count = 0
        while index < bytes.count, (48...57).contains(bytes[index]) {
            if count < 6 { value = value * 10 + Int64(bytes[index] - 48) }
            count += 1
            index += 1
        }
        guard count > 0 else { return nil }
        for _ in count..<max(count, 6) { value *= 10 }
        return value
    }

    mutating func sign() -> Int64? {
        if take("+") { return 1 }
        if take("-") { return -1 }
        return nil
    }
}
