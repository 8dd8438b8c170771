import Testing

@Suite("px.json.decode follows RFC 8259")
struct JSONDecodeTests {
    @Test("invalid JSON is refused with where it breaks; valid JSON keeps integers, floats and nested tables")
    func strict() async throws {
        try await withHarness { h in
            let values = try await h.values("""
                local ok, err = pcall(px.json.decode, '{"a":1,}')
                local ok2, err2 = pcall(px.json.decode, "{'a':1}")
                local v = px.json.decode('{"n":3,"f":2.5,"list":[1,{"x":"é"}],"gone":null}')
                return ok, err, ok2, err2, math.type(v.n), math.type(v.f), v.list[2].x, v.gone == nil
                """)
            #expect(values[0] == "false" && values[2] == "false")
            #expect(values[1].contains("bad argument #1 to 'decode' (not JSON: line 1, column 8: a trailing comma before '}')"), "\(values[1])")
            #expect(values[3].contains("line 1, column 2: expected a member name in double quotes"), "\(values[3])")
            #expect(Array(values[4...]) == ["integer", "float", "é", "true"])
        }
    }
}
