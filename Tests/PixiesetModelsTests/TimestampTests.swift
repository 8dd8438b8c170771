import PixiesetModels
import Testing

@Suite("Timestamp")
struct TimestampTests {
    @Test("the seed's form round-trips exactly")
    func canonical() throws {
        let stamp = try #require(Timestamp(parsing: "2025-08-07T10:30:00.000000Z"))
        #expect(stamp.microseconds == 1_754_562_600_000_000)
        #expect(Timestamp(microseconds: stamp.microseconds).text == "2025-08-07T10:30:00.000000Z")
        #expect(Timestamp(microseconds: 1_754_562_600_123_456).text == "2025-08-07T10:30:00.123456Z")
    }

    @Test("other ISO 8601 forms read as the same instant", arguments: [
        ("2025-08-07T10:30:00Z", 1_754_562_600_000_000),
        ("2025-08-07T10:30:00.5Z", 1_754_562_600_500_000),
        ("2025-08-07T10:30:00.123Z", 1_754_562_600_123_000),
        ("2025-08-07T10:30:00.1234567891Z", 1_754_562_600_123_456),
        ("2025-08-07T10:30:00+00:00", 1_754_562_600_000_000),
        ("2025-08-07T12:30:00+02:00", 1_754_562_600_000_000),
        ("2025-08-07T05:30:00-0500", 1_754_562_600_000_000),
        ("2025-08-07 10:30:00", 1_754_562_600_000_000),
        ("2025-08-07T10:30", 1_754_562_600_000_000),
        ("2025-08-07", 1_754_524_800_000_000),
        ("1969-12-31T23:59:59.999999Z", -1),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000_000),
    ] as [(String, Int64)])
    func forms(text: String, micros: Int64) throws {
        #expect(try #require(Timestamp(parsing: text)).microseconds == micros)
    }

    @Test("malformed text is refused", arguments: [
        "", "yesterday", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z", "2025-08-07T25:00:00Z", "2025-08-07T10:30:00ZZ",
        "2025-08-07T10:30:00.Z", "2025/08/07", "2025-08-07T10:30:00+2", "20250807T103000Z",
    ])
    func malformed(text: String) {
        #expect(Timestamp(parsing: text) == nil)
    }

    @Test("formatting and parsing agree across centuries, before and after 1970")
    func roundTrip() throws {
        var value: Int64 = -2_208_988_800_000_000  // 1900-01-01
        while value < 4_102_444_800_000_000 {  // 2100-01-01
            let text = Timestamp(microseconds: value).text
            #expect(try #require(Timestamp(parsing: text)).microseconds == value)
            value += 86_399_999_999 * 37 + 123_457
        }
    }

    @Test("comparison is by instant, not by text")
    func ordering() throws {
        let a = try #require(Timestamp(parsing: "2025-08-07T10:30:00Z"))
        let b = try #require(Timestamp(parsing: "2025-08-07T10:30:00.000000Z"))
        let c = try #require(Timestamp(parsing: "2025-08-07T10:30:00.000001Z"))
        #expect(a == b && a < c)
        #expect(a.plainSecondsText == "2025-08-07T10:30:00+00:00")
    }
}

@Suite("Resource IDs")
struct ResourceIDTests {
    @Test("valid and invalid ids")
    func ids() {
        #expect(ResourceID.conversation.isValid("conv_ABC123XYZ456"))
        #expect(ResourceID.client.isValid("cl_ABC123DEF456GHI789JKL012MNO345"))
        #expect(ResourceID.attachment.isValid("att_PQR901STU234"))
        // The id page's `{username}_{unique_id}` conversations (docs/assumptions.md A8).
        #expect(ResourceID.conversation.isValid("examplestudio_abc123def456"))
        #expect(ResourceID.conversation.isValid("maplelight-photo_k3j4h5g6f7d8"))
        #expect(ResourceID.conversation.isValid(String(repeating: "A", count: 128)))
        for bad in ["", "conv_../x", "..", "conv_a/b", "conv_a?b", "conv_a#b", "conv_a%2Fb", "conv_a.b", "conv_ ", "conv_é", "conv_a\u{0}",
                    String(repeating: "A", count: 129)] {
            #expect(!ResourceID.conversation.isValid(bad), "\(bad)")
        }
    }
}
