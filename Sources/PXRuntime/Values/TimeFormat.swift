import Foundation
import PXState

/// `px.time.format(t, fmt)`: the strftime conversions people use, in a
/// chosen zone, always in English (messages to clients should not change
/// with the server's locale).
///
/// Two departures from C, both for text that goes to clients: `%e`, `%k`
/// and `%l` are not padded with a space (C's `%e` makes "December  5"), and
/// `-` after `%` drops the zero padding of any number (`%-d`, `%-I`, as in
/// glibc). An unknown conversion is an error, not copied through: a typo
/// should not reach a client.
enum TimeFormat {
    static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    /// The conversions understood, for error messages and docs.
    static let known = "%a %A %b %B %c %C %d %D %e %F %h %H %I %j %k %l %m %M %n %p %r %R %s %S %t %T %u %w %x %X %y %Y %z %Z %% (and %-d, %-m, %-H, %-I, %-M, %-S, %-j, %-y: no padding)"

    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// The wall-clock fields of `date` in `zone`.
    struct Fields {
        let year, month, day, hour, minute, second, weekday, dayOfYear: Int
        let offset: Int
        let abbreviation: String
        let epoch: Int64

        init(_ date: Date, _ zone: TimeZone) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
            (year, month, day) = (c.year ?? 0, c.month ?? 1, c.day ?? 1)
            (hour, minute, second) = (c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
            weekday = (c.weekday ?? 1) - 1
            dayOfYear = calendar.ordinality(of: .day, in: .year, for: date) ?? 1
            offset = zone.secondsFromGMT(for: date)
            abbreviation = Self.abbreviation(zone, date, offset: offset)
            epoch = Int64(exactly: date.timeIntervalSince1970.rounded(.down)) ?? 0
        }

        /// The zone's abbreviation (`EST`, `IST`, `+0545`) from the zone
        /// database; where it has none, the offset as `+0530`, as C's `%Z`
        /// prints such zones.
        static func abbreviation(_ zone: TimeZone, _ date: Date, offset: Int) -> String {
            if let name = ZoneAbbreviation.name(of: zone, offset: offset, daylight: zone.isDaylightSavingTime(for: date)) { return name }
            if offset == 0 { return "UTC" }
            return numericOffset(offset, colon: false)
        }
    }

    static func numericOffset(_ offset: Int, colon: Bool) -> String {
        let magnitude = abs(offset)
        let hours = magnitude / 3600, minutes = magnitude % 3600 / 60
        return (offset < 0 ? "-" : "+") + pad(hours, 2) + (colon ? ":" : "") + pad(minutes, 2)
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// - Throws: `Problem` naming an unknown conversion, or a `%` at the end.
    static func format(_ date: Date, _ pattern: String, timeZone: TimeZone) throws -> String {
        let f = Fields(date, timeZone)
        var out = ""
        var characters = pattern.makeIterator()
        while let character = characters.next() {
            guard character == "%" else {
                out.append(character)
                continue
            }
            guard var code = characters.next() else { throw Problem(description: "the format ends with a lone '%' (write %% for a percent sign)") }
            var unpadded = false
            if code == "-" {
                guard let next = characters.next() else { throw Problem(description: "the format ends with '%-'") }
                unpadded = true
                code = next
            }
            func number(_ n: Int, _ width: Int) -> String { unpadded ? String(n) : pad(n, width) }
            let hour12 = f.hour % 12 == 0 ? 12 : f.hour % 12
            switch code {
            case "Y": out += String(f.year)
            case "C": out += number(f.year / 100, 2)
            case "y": out += number(f.year % 100, 2)
            case "m": out += number(f.month, 2)
            case "d": out += number(f.day, 2)
            case "e": out += String(f.day)
            case "j": out += number(f.dayOfYear, 3)
            case "H": out += number(f.hour, 2)
            case "k": out += String(f.hour)
            case "I": out += number(hour12, 2)
            case "l": out += String(hour12)
            case "M": out += number(f.minute, 2)
            case "S": out += number(f.second, 2)
            case "p": out += f.hour < 12 ? "AM" : "PM"
            case "A": out += weekdays[f.weekday]
            case "a": out += String(weekdays[f.weekday].prefix(3))
            case "B": out += months[f.month - 1]
            case "b", "h": out += String(months[f.month - 1].prefix(3))
            case "u": out += String(f.weekday == 0 ? 7 : f.weekday)
            case "w": out += String(f.weekday)
            case "Z": out += f.abbreviation
            case "z": out += numericOffset(f.offset, colon: false)
            case "s": out += String(f.epoch)
            case "F": out += "\(f.year)-\(pad(f.month, 2))-\(pad(f.day, 2))"
            case "T", "X": out += "\(pad(f.hour, 2)):\(pad(f.minute, 2)):\(pad(f.second, 2))"
            case "R": out += "\(pad(f.hour, 2)):\(pad(f.minute, 2))"
            case "r": out += "\(pad(hour12, 2)):\(pad(f.minute, 2)):\(pad(f.second, 2)) \(f.hour < 12 ? "AM" : "PM")"
            case "D", "x": out += "\(pad(f.month, 2))/\(pad(f.day, 2))/\(pad(f.year % 100, 2))"
            case "c": out += "\(weekdays[f.weekday].prefix(3)) \(months[f.month - 1].prefix(3)) \(f.day) \(pad(f.hour, 2)):\(pad(f.minute, 2)):\(pad(f.second, 2)) \(f.year)"
            case "n": out += "\n"
            case "t": out += "\t"
            case "%" where !unpadded: out += "%"
            default:
                throw Problem(description: "unknown conversion '%\(unpadded ? "-" : "")\(code)'; known: \(known)")
            }
        }
        return out
    }
}
