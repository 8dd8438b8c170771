import PixiesetModels
import Testing

@Suite("StrictJSON: RFC 8259, and where a text goes wrong")
struct StrictJSONTests {
    static func check(_ text: String) -> String? {
        do {
            try StrictJSON.parse(Array(text.utf8), with: JSONChecker())
            return nil
        } catch let error as JSONSyntaxError {
            return error.description
        } catch {
            return "\(error)"
        }
    }

    @Test("valid texts are accepted", arguments: [
        #"{"a":1}"#, "[]", "{}", " [1, -0, 2.5e3, -1E-2, 0.5] ", #""\u00e9\ud83d\ude00\n\/""#, "true", "null", "123",
        "[[[[]]]]", #"{"a":{"b":[null,false]}}"#, "\"é\"",
    ])
    func valid(text: String) {
        #expect(Self.check(text) == nil, "\(text)")
    }

    @Test("invalid texts are refused with their position", arguments: [
        (#"{"a":1,}"#, "line 1, column 8: a trailing comma before '}'"),
        ("[1,2,]", "line 1, column 6: a trailing comma before ']'"),
        ("{'a':1}", "line 1, column 2: expected a member name in double quotes"),
        ("[01]", "line 1, column 3: a number with a leading zero"),
        ("[1.]", "line 1, column 4: a '.' without digits after it"),
        ("[NaN]", "line 1, column 2: unexpected character (expected a value)"),
        ("{\"a\":\n  tru}", "line 2, column 3: unexpected character (expected a value)"),
        ("\"a\tb\"", "line 1, column 3: a control character inside a string (write it as \\n, \\t or \\u00XX)"),
        (#""\ud800""#, "line 1, column 8: a lone surrogate \\ud800 (its pair is missing)"),
        (#""\x""#, "line 1, column 2: an unknown escape '\\x'"),
        ("[1] 2", "line 1, column 5: unexpected text after the JSON value"),
        ("", "line 1, column 1: the text ends where a value was expected"),
        ("[1, 2", "line 1, column 6: the text ends inside an array (missing ']')"),
        ("// c\n{}", "line 1, column 1: unexpected character (expected a value)"),
        ("[1e999]", "line 1, column 2: a number too large to hold"),
    ])
    func invalid(text: String, expected: String) {
        #expect(Self.check(text) == expected, "\(text)")
    }

    @Test("invalid UTF-8 and over-deep nesting are refused, not crashed on")
    func hostile() throws {
        for bytes: [UInt8] in [[0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xFF, 0x22], [0x22, 0xE2, 0x82]] {
            #expect(throws: JSONSyntaxError.self) { try StrictJSON.parse(bytes, with: JSONChecker()) }
        }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try StrictJSON.parse(Array(deep.utf8), with: JSONChecker()) }
    }
}
