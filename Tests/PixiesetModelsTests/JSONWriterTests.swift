import PixiesetModels
import Testing

@Suite("JSONWriter")
struct JSONWriterTests {
    @Test("integers are written as Swift prints them, at both ends of Int")
    func integers() {
        for value in [0, 7, -7, 10, -10, 99, 100, 123_456_789, 1_772_355_600_123_456, Int.max, Int.min, Int.min + 1] {
            var writer = JSONWriter(capacity: 0)
            writer.int(value)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == String(value))
        }
    }
}
