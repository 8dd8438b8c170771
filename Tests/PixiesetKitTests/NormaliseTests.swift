import Foundation
@testable import PixiesetKit
import Testing

@Suite("Text normalised for reconciliation")
struct NormaliseTests {
    @Test("ordinary messages take the quick path, and whatever takes it is what the full path would give")
    func quickPath() {
        // Taken for plain text; not for CR, non-ASCII or white space at an end.
        #expect(SendIntent.isAlreadyNormal("Hi Ana, see you Saturday at 10!"))
        #expect(SendIntent.isAlreadyNormal("Line one\nline two"))
        for text in ["", " Hi", "Hi ", "Hi\r\nthere", "Café", "Cafe\u{301}", "Hi\t", "Hi\u{A0}"] {
            #expect(!SendIntent.isAlreadyNormal(text), "\(Array(text.unicodeScalars))")
        }
        // Every ASCII byte, with white space and CR often, plus a few non-ASCII forms (é composed and decomposed, NEL, NBSP).
        var generator = SystemRandomNumberGenerator()
        let pieces = (0..<128).map { String(UnicodeScalar(UInt8($0))) } + [" ", " ", "\r\n", "\n", "\t", "é", "e\u{301}", "\u{85}", "\u{A0}", "hello"]
        var quick = 0
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            if SendIntent.isAlreadyNormal(text) {
                quick += 1
                #expect(SendIntent.normaliseFully(text) == text, "\(Array(text.unicodeScalars))")
            }
            #expect(SendIntent.normalise(text) == SendIntent.normaliseFully(text), "\(Array(text.unicodeScalars))")
        }
        #expect(quick > 100, "the generated texts should exercise the quick path")
        #expect(SendIntent.normalise("Hi Ana,\r\nsee you Saturday!  ") == "Hi Ana,\nsee you Saturday!")
        #expect(SendIntent.normalise("Cafe\u{301}") == "Café")
    }
}
