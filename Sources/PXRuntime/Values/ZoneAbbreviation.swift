import Foundation
import PXState
import Synchronization

/// Time zone abbreviations (`EST`, `EDT`, `IST`, `+0545`) as the zone
/// database names them, for `%Z`.
///
/// Foundation on Linux answers `GMT-5` for every zone, which is not what a
/// client expects to read after "9:00 AM". The names come from the zone's
/// TZif file (`/usr/share/zoneinfo`, RFC 8536): each local time type there
/// pairs an offset and a daylight flag with its name; the offset and flag of
/// an instant come from Foundation, so only names are read here. A zone
/// without a readable file gets its numeric offset (`+0530`), as C's
/// `strftime` prints zones without a name.
enum ZoneAbbreviation {
    struct Key: Hashable {
        let offset: Int
        let daylight: Bool
    }

    private static let cache = Mutex<[String: [Key: String]]>([:])
    static let zoneinfo = ["/usr/share/zoneinfo", "/var/db/timezone/zoneinfo"]
    /// Larger files are not zone files (the biggest real one is ~3 KB).
    static let maxFileSize = 1 << 16

    /// The abbreviation of `zone` at an instant whose offset and daylight flag are given.
    static func name(of zone: TimeZone, offset: Int, daylight: Bool) -> String? {
        let names = cache.withLock { cached in
            if let known = cached[zone.identifier] { return known }
            let read = Self.read(zone.identifier)
            cached[zone.identifier] = read
            return read
        }
        return names[Key(offset: offset, daylight: daylight)]
    }

    static func read(_ identifier: String) -> [Key: String] {
        // Identifiers are Area/City names; nothing with dots may walk out of the folder.
        guard !identifier.isEmpty, !identifier.split(separator: "/").contains(where: { $0.hasPrefix(".") }) else { return [:] }
        for folder in zoneinfo {
            let path = folder + "/" + identifier
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let size = attributes[.size] as? Int, size <= maxFileSize,
                  let data = FileManager.default.contents(atPath: path)
            else { continue }
            return parse(Array(data))
        }
        return [:]
    }

    /// The names of a TZif file's local time types, by offset and daylight flag.
    static func parse(_ bytes: [UInt8]) -> [Key: String] {
        guard bytes.count >= 44, bytes.starts(with: Array("TZif".utf8)) else { return [:] }
        func count(_ at: Int) -> Int {
            Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        // The version 1 block is enough: names and types are the same in both blocks.
        let (isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt) = (count(20), count(24), count(28), count(32), count(36), count(40))
        let types = 44 + timecnt * 5
        let chars = types + typecnt * 6
        guard typecnt > 0, chars + charcnt + leapcnt * 8 + isstdcnt + isutcnt <= bytes.count else { return [:] }
        func entry(_ type: Int) -> (Key, String)? {
            guard type < typecnt else { return nil }
            let at = types + type * 6
            let offset = Int(Int32(bitPattern: UInt32(count(at))))
            let nameStart = chars + Int(bytes[at + 5])
            guard nameStart < chars + charcnt else { return nil }
            let end = bytes[nameStart..<(chars + charcnt)].firstIndex(of: 0) ?? (chars + charcnt)
            let name = String(decoding: bytes[nameStart..<end], as: UTF8.self)
            guard !name.isEmpty, name != "LMT" else { return nil }
            return (Key(offset: offset, daylight: bytes[at + 4] != 0), name)
        }
        // Types in the order transitions use them, so the name in use most
        // recently wins (Toronto's -4 h daylight type is EDT, not 1945's EPT).
        var names: [Key: String] = [:]
        for type in [0] + bytes[(44 + timecnt * 4)..<types].map(Int.init) {
            if let (key, name) = entry(type) { names[key] = name }
        }
        return names
    }
}
