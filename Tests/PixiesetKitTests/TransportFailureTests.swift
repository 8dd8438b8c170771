import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
@testable import PixiesetKit
import Testing

/// Whether a request can have reached the server, by the error's type (docs/spec.md §6): the outbox
/// repeats an unwritten send at once and looks for a written one first.
@Suite("Transport failures by type, never by text")
struct TransportFailureTests {
    struct Lying: Error, CustomStringConvertible {
        var description: String { "NIOConnectionError: connection refused (getaddrinfo)" }
    }

    @Test("each kind of failure: a connect that never happened is unwritten; a timeout, a reset or anything unknown may have arrived")
    func kinds() {
        let cases: [(any Error, RetryReason, Bool)] = [
            (IOError(errnoCode: ECONNREFUSED, reason: "connect"), .noConnection, false),
            (IOError(errnoCode: EHOSTUNREACH, reason: "connect"), .noConnection, false),
            (IOError(errnoCode: ENETUNREACH, reason: "connect"), .noConnection, false),
            (IOError(errnoCode: ECONNRESET, reason: "read"), .cutShort, true),
            (IOError(errnoCode: EPIPE, reason: "write"), .cutShort, true),
            (IOError(errnoCode: ETIMEDOUT, reason: "read"), .timedOut, true),
            (IOError(errnoCode: EIO, reason: "read"), .other, true),
            (ChannelError.connectTimeout(.seconds(1)), .noConnection, false),
            (ChannelError.eof, .cutShort, true),
            (ChannelError.ioOnClosedChannel, .cutShort, true),
            (ChannelError.writeMessageTooLarge, .other, true),
            (SocketAddressError.unsupported, .noConnection, false),
            (HTTPClientError.connectTimeout, .noConnection, false),
            (HTTPClientError.getConnectionFromPoolTimeout, .noConnection, false),
            (HTTPClientError.readTimeout, .timedOut, true),
            (HTTPClientError.deadlineExceeded, .timedOut, true),
            (HTTPClientError.remoteConnectionClosed, .cutShort, true),
            (HTTPClientError.cancelled, .other, true),
            // Its text names every pattern the old classifier matched: it is still an unknown failure.
            (Lying(), .other, true),
        ]
        for (error, reason, written) in cases {
            let failure = TransportFailure.of(error)
            #expect(failure == TransportFailure(reason: reason, written: written), "\(error)")
        }
        #expect(TransportFailure.of(HTTPClientError.invalidURL) == nil)
        // The short names notifications give (their URL is a secret), by type too.
        #expect(TransportFailure.name(of: IOError(errnoCode: ECONNREFUSED, reason: "connect")) == "connection refused")
        #expect(TransportFailure.name(of: HTTPClientError.connectTimeout) == "connect timeout")
        #expect(TransportFailure.name(of: SocketAddressError.unsupported) == "host not found")
        #expect(TransportFailure.name(of: Lying()) == "network error")
    }

    @Test("real failures: a closed port and a name that does not resolve are unwritten; a server that closes mid-answer is written")
    func real() async throws {
        let policy = RetryPolicy(maxAttempts: 1, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1), deadline: .seconds(10))
        for base in ["http://127.0.0.1:1/api/v1", "http://pxscript-test.invalid/api/v1"] {
            try await withClient(baseURL: base, cookie: nil, retry: policy) { client in
                let outcome = await client.attemptOnce(.init(method: .POST, url: base + "/conversation_messages", body: Array("{}".utf8)))
                guard case .retryable(.noConnection, _, false, _) = outcome else { Issue.record("\(base): \(outcome)"); return }
            }
        }
        // A server that accepts, reads the request and hangs up without answering.
        let listener = try Socket.listening()
        defer { listener.close() }
        let base = "http://127.0.0.1:\(listener.port)/api/v1"
        let hangUp = Task.detached { listener.acceptReadAndClose() }
        try await withClient(baseURL: base, cookie: nil, retry: policy) { client in
            let outcome = await client.attemptOnce(.init(method: .POST, url: base + "/conversation_messages", body: Array("{}".utf8)))
            guard case .retryable(_, _, true, _) = outcome else { Issue.record("\(outcome)"); return }
        }
        await hangUp.value
    }
}

/// A listening TCP socket on loopback that takes one connection, reads what comes and closes it.
struct Socket {
    let fd: Int32
    let port: Int

    static func listening() throws -> Socket {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, bound else { throw POSIXError(.EADDRINUSE) }
        return Socket(fd: fd, port: Int(UInt16(bigEndian: address.sin_port)))
    }

    func acceptReadAndClose() {
        let client = accept(fd, nil, nil)  // blocking: a detached task's own wait for the one connection
        guard client >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 65536)
        _ = read(client, &buffer, buffer.count)  // blocking: the request, then the hang-up
        Glibc.close(client)
    }

    func close() { Glibc.close(fd) }
}

/// One form of a refused session, from the client's error to the exit status (decision 0013).
@Suite("Session refusals")
struct SessionRefusalTests {
    @Test("each refusal knows its code, status, exit status and notice name, and is read back from each of them")
    func oneForm() {
        #expect(SessionRefusal.allCases.map(\.code) == ["SESSION_EXPIRED", "CSRF_REFUSED"])
        #expect(SessionRefusal.allCases.map(\.exitStatus) == [77, 78])
        #expect(SessionRefusal.allCases.map(\.status) == [401, 419])
        for refusal in SessionRefusal.allCases {
            #expect(SessionRefusal(code: refusal.code) == refusal && SessionRefusal(noticeName: refusal.noticeName) == refusal)
        }
        #expect(SessionRefusal(PixiesetError.sessionExpired(detail: "HTTP 401")) == .expired)
        #expect(SessionRefusal(PixiesetError.csrfRefused(detail: "HTTP 419", hint: "")) == .csrf)
        #expect(SessionRefusal(PixiesetError.unreachable(host: "h", detail: "")) == nil)
        #expect(SessionRefusal(code: "session_expired") == nil)
    }
}

/// A cut answer is told from a wrong one wherever the cut falls (a token, an escape, a character).
@Suite("Cut answers")
struct CutAnswerTests {
    @Test("cut inside a key, a literal, a number, an escape or a UTF-8 character: cut short; wrong before its end: malformed")
    func wherever() {
        let whole = #"{"data":[{"id":"conv_1","subject":"Caf\u00e9 é","unread_count":-1.5e3,"archived":true,"x":null}],"meta":{"x":1}}"#
        let bytes = Array(whole.utf8)
        var misjudged: [String] = []
        for end in 1..<bytes.count where !PixiesetClient.isCutShort(Array(bytes[..<end])) {
            misjudged.append(String(decoding: bytes[..<end], as: UTF8.self))
        }
        #expect(misjudged.isEmpty, "\(misjudged.joined(separator: "\n"))")
        for wrong in [#"{"data":[1 2"#, #"{"data":[{"id":x"#, #"{"data":[}"#, #"{"data":[1,,"#] {
            #expect(!PixiesetClient.isCutShort(Array(wrong.utf8)), "\(wrong)")
        }
    }
}
