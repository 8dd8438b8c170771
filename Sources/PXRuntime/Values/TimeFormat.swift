import Foundation

/// `px.time.format(t, fmt)`: `os.date`'s `%` codes, in a chosen zone.
enum TimeFormat {
    static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    static func format(_ date: Date, _ pattern: String, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let year = c.year ?? 0, month = c.month ?? 1, day = c.day ?? 1, hour = c.hour ?? 0, minute = c.minute ?? 0, second = c.second ?? 0
        let weekday = weekdays[(c.weekday ?? 1) - 1], monthName = months[month - 1]
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let offset = timeZone.secondsFromGMT(for: date)
        var out = "", percent = false
        for character in pattern {
            guard percent else {
                if character == "%" { percent = true } else { out.append(character) }
                continue
            }
            percent = false
            switch character {
            case "Y": out += String(year)
            case "y": out += two(year % 100)
            case "m": out += two(month)
            case "d": out += two(day)
            case "e": out += day < 10 ? " \(day)" : "\(day)"
            case "H": out += two(hour)
            case "I": out += two(hour % 12 == 0 ? 12 : hour % 12)
            case "M": out += two(minute)
            case "S": out += two(second)
            case "p": out += hour < 12 ? "AM" : "PM"
            case "A": out += weekday
            case "a": out += String(weekday.prefix(3))
            case "B": out += monthName
            case "b": out += String(monthName.prefix(3))
            case "Z": out += timeZone.abbreviation(for: date) ?? timeZone.identifier
            case "z": out += (offset < 0 ? "-" : "+") + two(abs(offset) / 3600) + two(abs(offset) % 3600 / 60)
            case "F": out += "\(year)-\(two(month))-\(two(day))"
            case "T": out += "\(two(hour)):\(two(minute)):\(two(second))"
            case "%": out += "%"
            default: out += "%" + String(character)
            }
        }
        if percent { out += "%" }
        return out
    }
}
