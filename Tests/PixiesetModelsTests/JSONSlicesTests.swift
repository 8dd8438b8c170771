import PixiesetModels
import Testing

/// The splitter that reads a list page entry by entry (issue 27).
@Suite("JSONSlices")
struct JSONSlicesTests {
    @Test("a key is a key: a value that reads the same before it is passed over; strings with brackets do not count")
    func keysNotValues() throws {
        let page = Array(#"{"kind":"data", "note":"[{", "data" : [1, {"a":"]"}, "x", [2]], "meta":{}}"#.utf8)
        let (whole, items) = try #require(JSONSlices.array(under: "data", in: page))
        #expect(items.map { String(decoding: page[$0], as: UTF8.self) } == ["1", #"{"a":"]"}"#, #""x""#, "[2]"])
        #expect(page[whole.lowerBound] == UInt8(ascii: "[") && page[whole.upperBound - 1] == UInt8(ascii: "]"))
        let entry = Array(#"{"name":"id","id":"conv_1","x":[[[1]]]}"#.utf8)
        #expect(JSONSlices.string(under: "id", in: entry[...]) == "conv_1")
        #expect(JSONSlices.string(under: "id", in: Array(#"{"id":"a\"b"}"#.utf8)[...]) == nil)
    }

    @Test("too many values is judged by a scan: tiny answers are never refused, a flood of {} is")
    func tooManyValues() {
        #expect(!JSONSlices.tooManyValues(Array(#"{"data":[{},{},{}]}"#.utf8)))
        #expect(JSONSlices.tooManyValues(Array(("{\"data\":[" + Array(repeating: "{}", count: 50_000).joined(separator: ",") + "]}").utf8)))
        // Brackets and commas inside strings are text, not values.
        #expect(!JSONSlices.tooManyValues(Array(("{\"data\":\"" + String(repeating: ",", count: 50_000) + "\"}").utf8)))
    }

    @Test("a path reaches an array inside an object: its own key only, never one of a deeper object or of the object after it")
    func path() {
        func items(_ text: String) -> [String]? {
            let bytes = Array(text.utf8)
            return JSONSlices.array(under: ["data", "messages"], in: bytes).map { $0.items.map { String(decoding: bytes[$0], as: UTF8.self) } }
        }
        #expect(items(#"{"data":{"id":"c","participants":[{"messages":[9]}],"messages":[1, {"a":"]"}]}}"#) == ["1", #"{"a":"]"}"#])
        #expect(items(#"{"data":{"id":"c"},"messages":[1]}"#) == nil)
        #expect(items(#"{"data":{"id":"c","x":{"messages":[1]}}}"#) == nil)
        #expect(items(#"{"data":[{"messages":[1]}]}"#) == nil)
        #expect(items(#"{"data":{"messages":null}}"#) == nil)
    }

    @Test("items must be separated as JSON's are: a page read entry by entry refuses what a parser of the whole would (issue 28)")
    func separators() {
        func items(_ text: String) -> [String]? {
            let bytes = Array(text.utf8)
            return JSONSlices.array(under: "data", in: bytes).map { $0.items.map { String(decoding: bytes[$0], as: UTF8.self) } }
        }
        #expect(items(#"{"data":[]}"#) == [])
        #expect(items(#"{"data":[ ]}"#) == [])
        #expect(items(#"{"data":[12, "a b", {"x":[1 ,2]} ,true]}"#) == ["12", #""a b""#, #"{"x":[1 ,2]} "#, "true"])
        for broken in [#"{"data":[{} {}]}"#, #"{"data":[1 2]}"#, #"{"data":["a" "b"]}"#, #"{"data":[1,,2]}"#, #"{"data":[,1]}"#,
                       #"{"data":[1,]}"#, #"{"data":[{}"x"]}"#, #"{"data":[[1][2]]}"#, #"{"data":[1"#] {
            #expect(items(broken) == nil, "\(broken)")
        }
    }
}

/// `pxscript api`'s layout of an answer (issue 28: no objects built to print it).
@Suite("JSONLayout")
struct JSONLayoutTests {
    @Test("one line or indented; strings byte for byte (brackets, escapes and spaces inside them); empty containers stay closed")
    func layout() {
        let json = Array(#" { "b" : [1, 2.50e1 ,{}], "a":{ "s":"x, [y]: \"z\" \\", "e":[ ] }, "n":null } "#.utf8)
        #expect(String(decoding: JSONLayout.lines(json, indented: false), as: UTF8.self)
            == #"{"b":[1,2.50e1,{}],"a":{"s":"x, [y]: \"z\" \\","e":[]},"n":null}"#)
        #expect(String(decoding: JSONLayout.lines(json, indented: true), as: UTF8.self) == """
            {
              "b": [
                1,
                2.50e1,
                {}
              ],
              "a": {
                "s": "x, [y]: \\"z\\" \\\\",
                "e": []
              },
              "n": null
            }
            """)
        #expect(JSONLayout.lines(Array("7".utf8), indented: true) == Array("7".utf8))
    }
}
