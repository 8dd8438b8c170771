import Foundation
import PixiesetModels

/// Durations as scripts and flags write them: `90s`, `15m`, `2h`, `3d`,
/// `1w`, combined (`1h30m`), or a plain number of seconds.
public enum DurationText {
    /// Seconds, or nil when `text` is not a duration.
    public static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // Longer than a century is a mistake (and would overflow what it is turned into).
        if let plain = Double(trimmed) { return plain >= 0 && plain <= Duration.longestWait ? plain : nil }
        var total = 0.0, number = "", sawUnit = false
        for character in trimmed {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            let unit: Double
            switch character {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86_400
            case "w": unit = 604_800
            default: return nil
            }
            guard let value = Double(number), value.isFinite else { return nil }
            total += value * unit
            number = ""
            sawUnit = true
        }
        guard sawUnit, number.isEmpty, total <= Duration.longestWait else { return nil }
        return total
    }

    /// `seconds` written back the same way (`1h30m`, `45s`, `0.2s`, `0s`), for messages.
    public static func format(_ seconds: Double) -> String {
        let tenthsTotal = Int(saturating: (min(seconds, Duration.longestWait) * 10).rounded())
        var rest = tenthsTotal / 10, text = ""
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        // Tenths of a second are kept (intervals like 0.2s); a whole number prints without them.
        let tenths = tenthsTotal % 10
        if rest > 0 || tenths > 0 || text.isEmpty { text += tenths > 0 ? "\(rest).\(tenths)s" : "\(rest)s" }
        return text
    }
}
