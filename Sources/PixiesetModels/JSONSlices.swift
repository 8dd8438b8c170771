/// Splits a JSON answer without building it: the byte ranges of the items of
/// the array under a top-level key. A list page whose one entry no decoder
/// can read (nested deeper than any parser allows) is read entry by entry,
/// so that one bad conversation is set aside and the others are still seen
///. Only brackets and strings are followed; depth is counted, not
/// recursed into, so no nesting exhausts the stack.
public enum JSONSlices {
    /// The array under `key` of the top-level object: its own range (brackets included) and its items' ranges.
    public static func array(under key: String, in bytes: [UInt8]) -> (whole: Range<Int>, items: [Range<Int>])? {
        array(under: [key], in: bytes)
    }

    /// The array at `path` (`["data", "messages"]`: the `messages` of the top-level object's `data` object).
    public static func array(under path: [String], in bytes: [UInt8]) -> (whole: Range<Int>, items: [Range<Int>])? {
        var object = 0
        for (index, key) in path.enumerated() {
            guard let start = valueStart(of: key, in: bytes, objectAt: object) else { return nil }
            if index == path.count - 1 {
                guard bytes[start] == UInt8(ascii: "[") else { return nil }
                return items(bytes, arrayAt: start)
            }
            guard bytes[start] == UInt8(ascii: "{") else { return nil }
            object = start
        }
        return nil
    }

    /// The string under `key` at the top level of the object in `bytes` (plain text only: nil when it
    /// holds an escape), found by the same scan: a bad entry's id, when nothing else of it reads.
    public static func string(under key: String, in bytes: ArraySlice<UInt8>) -> String? {
        let bytes = Array(bytes)
        guard let start = valueStart(of: key, in: bytes), bytes[start] == UInt8(ascii: "\"") else { return nil }
        let close = stringEnd(bytes, from: start)
        guard close <= bytes.count else { return nil }
        let text = bytes[(start + 1)..<(close - 1)]
        return text.contains(UInt8(ascii: "\\")) ? nil : String(decoding: text, as: UTF8.self)
    }

    /// Where the value of `key` in the object that opens at `objectAt` (the top-level one by default)
    /// begins: a string equal to `key` at that object's own level that is a key (a `:` follows it), not
    /// a value that happens to read the same (`"kind":"data"`). The scan ends with the object.
    static func valueStart(of key: String, in bytes: [UInt8], objectAt start: Int = 0) -> Int? {
        let wanted = Array(key.utf8)
        var index = start, depth = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let end = stringEnd(bytes, from: index)
                guard end <= bytes.count else { return nil }
                if depth == 1, bytes[(index + 1)..<(end - 1)].elementsEqual(wanted) {
                    var next = skipSpace(bytes, from: end)
                    if next < bytes.count, bytes[next] == UInt8(ascii: ":") {
                        next = skipSpace(bytes, from: next + 1)
                        return next < bytes.count ? next : nil
                    }
                }
                index = end
                continue
            }
            if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth += 1 }
            if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0, start > 0 { return nil }
            }
            index += 1
        }
        return nil
    }

    /// The first index from `start` that is not JSON whitespace.
    static func skipSpace(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count, [UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")].contains(bytes[index]) { index += 1 }
        return index
    }

    /// Whether `bytes` holds more JSON values than answers of this API can: more than one for each 16
    /// bytes (a realistic page has one for about 80), beyond a floor of 10,000. Such an answer (30 MB
    /// of `{},{},…`) costs a parser gigabytes; it is refused before any parsing. Counted
    /// by one scan of brackets and commas outside strings, allocating nothing.
    public static func tooManyValues(_ bytes: [UInt8]) -> Bool {
        // Fewer bytes than the floor cannot hold more values than it: most answers are not scanned.
        guard bytes.count > 10_000 else { return false }
        let limit = max(10_000, bytes.count / 16)
        var count = 0, index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""): index = stringEnd(bytes, from: index); continue
            case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: ","):
                count += 1
                if count > limit { return true }
            default: break
            }
            index += 1
        }
        return false
    }

    /// The index just after the string that opens at `start`.
    static func stringEnd(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start + 1
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\") { index += 2; continue }
            if bytes[index] == UInt8(ascii: "\"") { return index + 1 }
            index += 1
        }
        return bytes.count + 1
    }

    /// The array at `open` and its items' ranges; nil when its items are not separated as JSON's are
    /// (`[a b]`, `[a,,b]`, `[a,]`): the items themselves are read by a decoder.
    static func items(_ bytes: [UInt8], arrayAt open: Int) -> (whole: Range<Int>, items: [Range<Int>])? {
        var items: [Range<Int>] = [], depth = 0, itemStart: Int?, index = open
        // At depth 1: whether the current item is complete (a string or a bracket closed, or space after it).
        var itemEnded = false
        /// An item begins at `index` (depth 1): only where none is open.
        func begin() -> Bool {
            guard itemStart == nil else { return false }
            itemStart = index
            return true
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                if depth == 1 {
                    guard begin() else { return nil }
                    itemEnded = true
                }
                index = stringEnd(bytes, from: index)
                continue
            }
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 1, !begin() { return nil }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 1 { itemEnded = true }
                if depth == 0 {
                    // `[]`, or a last item: not a comma with nothing after it.
                    if let start = itemStart { items.append(start..<index) } else if !items.isEmpty { return nil }
                    return (open..<(index + 1), items)
                }
            case UInt8(ascii: ","):
                if depth == 1 {
                    guard let start = itemStart else { return nil }
                    items.append(start..<index)
                    itemStart = nil
                    itemEnded = false
                }
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                if depth == 1, itemStart != nil { itemEnded = true }
            default:
                if depth == 1 {
                    if itemStart != nil, itemEnded { return nil }
                    if itemStart == nil { _ = begin() }
                }
            }
            index += 1
        }
        return nil
    }
}
