/// Lays a JSON text out again without parsing it into values: on one line,
/// or indented by two spaces. Keys stay in the order the server wrote them,
/// strings and numbers byte for byte; the only copy made is the output (a
/// 28 MB answer printed by `pxscript api` took 450 MB as Foundation objects). The text must be JSON (`StrictJSON` checks it first): only
/// strings and the marks between values are followed.
public enum JSONLayout {
    public static func lines(_ json: [UInt8], indented: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(json.count + (indented ? json.count / 4 : 0))
        var depth = 0, index = 0
        func newline() {
            guard indented else { return }
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
        }
        while index < json.count {
            let byte = json[index]
            switch byte {
            case UInt8(ascii: "\""):
                let end = JSONSlices.stringEnd(json, from: index)
                out.append(contentsOf: json[index..<min(end, json.count)])
                index = end
                continue
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                break
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(byte)
                let next = JSONSlices.skipSpace(json, from: index + 1)
                // An empty object or array stays `{}` / `[]`.
                if next < json.count, json[next] == byte + 2 {
                    out.append(json[next])
                    index = next + 1
                    continue
                }
                depth += 1
                newline()
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                newline()
                out.append(byte)
            case UInt8(ascii: ","):
                out.append(byte)
                newline()
            case UInt8(ascii: ":"):
                out.append(byte)
                if indented { out.append(UInt8(ascii: " ")) }
            default:
                out.append(byte)
            }
            index += 1
        }
        return out
    }
}
