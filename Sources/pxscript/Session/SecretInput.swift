import Foundation

/// Reads a secret (the Cookie header) without showing it.
///
/// On a terminal, echo and line editing are switched off while it is typed
/// or pasted, and put back whatever happens: the cookie is never on screen.
/// Line editing is off too because a terminal's line buffer holds 4,095
/// bytes, and a studio's Cookie header can be longer; a paste would be cut.
/// Without a terminal (a pipe, a file), standard input is read to its end.
enum SecretInput {
    /// The longest secret accepted: browsers cap a Cookie header near 8 KiB per cookie, a few of them fit here.
    static let maximumBytes = 64 << 10

    /// Reads one line from the terminal on standard input without echo,
    /// or all of standard input otherwise. Nil when nothing was given.
    static func read(prompt: String) -> String? {
        guard isatty(STDIN_FILENO) == 1 else { return fromPipe() }
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return fromPipe() }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG)
        withUnsafeMutableBytes(of: &quiet.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while Foundation.read(STDIN_FILENO, &byte, 1) == 1 {
            switch byte {
            case 0x0A, 0x0D: return finish(bytes)
            case 0x03: return nil  // Ctrl-C: nothing given
            case 0x04 where bytes.isEmpty: return nil  // Ctrl-D on an empty line
            case 0x7F, 0x08: if !bytes.isEmpty { bytes.removeLast() }
            default: if bytes.count < maximumBytes { bytes.append(byte) }
            }
        }
        return finish(bytes)
    }

    private static func fromPipe() -> String? {
        let data = FileHandle.standardInput.readData(ofLength: maximumBytes + 1)
        return finish(Array(data.prefix(maximumBytes)))
    }

    /// The text, trimmed, without a leading `Cookie:` (what copying the whole header line gives).
    private static func finish(_ bytes: [UInt8]) -> String? {
        var text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.lowercased().hasPrefix("cookie:") { text = String(text.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        return text.isEmpty ? nil : text
    }
}
