import Foundation
@testable import PixiesetKit
import Testing

@Suite("Text normalised for reconciliation")
struct NormaliseTests {
    @Test("the quick path for plain ASCII gives what the full one gives, on thousands of generated texts")
    func quickPathAgrees() {
        var generator = SystemRandomNumberGenerator()
        // Every ASCII byte, with white space and CR often, plus a few non-ASCII forms (é composed and decomposed, NEL, NBSP).
        let pieces = (0..<128).map { String(UnicodeScalar(UInt8($0))) } + [" ", " ", "\r\n", "\n", "\t", "é", "e\u{301}", "\u{85}", "\u{A0}", "hello"]
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            #expect(SendIntent.normalise(text) == SendIntent.normaliseFully(text), "\(Array(text.unicodeScalars))")
        }
        #expect(SendIntent.normalise("Hi Ana,\r\nsee you Saturday!  ") == "Hi Ana,\nsee you Saturday!")
        #expect(SendIntent.normalise("Cafe\u{301}") == "Café")
    }
}
