import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// What a failure below HTTP says about a request, decided by the error's
/// type and errno, never by its text (a library's wording is not a contract):
/// whether it can have reached the server. Only a request that surely never
/// left (no connection was ever made) is `written: false`, which makes even a
/// send safe to repeat without looking for it first (docs/spec.md §6,
/// decision 0003); anything unknown counts as written.
public struct TransportFailure: Sendable, Hashable {
    let reason: RetryReason
    let written: Bool

    /// Errors of a connect that did not happen: the request never left.
    static let unconnected: Set<CInt> = [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, ENETDOWN, EHOSTDOWN, EADDRNOTAVAIL]
    /// Errors of a connection that existed and was cut: the request may have arrived.
    static let cut: Set<CInt> = [ECONNRESET, EPIPE, ECONNABORTED]

    /// nil for an invalid URL (no request at all).
    static func of(_ error: any Error) -> TransportFailure? {
        switch error {
        case let error as HTTPClientError: return of(error)
        case is NIOConnectionError, is SocketAddressError, is SocketAddressError.UnknownHost:
            // Every address was refused or unreachable, or the name did not resolve.
            return TransportFailure(reason: .noConnection, written: false)
        case let error as IOError:
            if unconnected.contains(error.errnoCode) { return TransportFailure(reason: .noConnection, written: false) }
            if error.errnoCode == ETIMEDOUT { return TransportFailure(reason: .timedOut, written: true) }
            return TransportFailure(reason: cut.contains(error.errnoCode) ? .cutShort : .other, written: true)
        case let error as NIOSSLError:
            switch error {
            // A request is written only once the handshake is done.
            case .handshakeFailed, .unableToValidateCertificate, .noCertificateToValidate, .cannotMatchULabel:
                return TransportFailure(reason: .noConnection, written: false)
            default:
                return TransportFailure(reason: .cutShort, written: true)
            }
        case is NIOSSLExtraError:
            return TransportFailure(reason: .noConnection, written: false)
        case let error as ChannelError:
            switch error {
            case .connectTimeout: return TransportFailure(reason: .noConnection, written: false)
            case .eof, .ioOnClosedChannel, .alreadyClosed, .inputClosed, .outputClosed: return TransportFailure(reason: .cutShort, written: true)
            default: return TransportFailure(reason: .other, written: true)
            }
        default:
            return TransportFailure(reason: .other, written: true)
        }
    }

    private static func of(_ error: HTTPClientError) -> TransportFailure? {
        switch error {
        case .connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout:
            TransportFailure(reason: .noConnection, written: false)
        case .readTimeout, .writeTimeout, .deadlineExceeded:
            TransportFailure(reason: .timedOut, written: true)
        case .remoteConnectionClosed, .bodyLengthMismatch:
            TransportFailure(reason: .cutShort, written: true)
        case .invalidURL, .emptyHost, .emptyScheme:
            nil
        default:
            TransportFailure(reason: .other, written: true)
        }
    }

    /// A short name for a failure, by its type, for where the error's own
    /// words cannot go (a notification target's URL is a secret).
    public static func name(of error: any Error) -> String {
        switch error {
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout, .getConnectionFromPoolTimeout: return "connect timeout"
            case .remoteConnectionClosed: return "connection closed"
            case .invalidURL, .emptyHost, .emptyScheme: return "invalid URL"
            case .readTimeout, .writeTimeout, .deadlineExceeded: return "timed out"
            default: return "HTTP client error"
            }
        case let error as NIOConnectionError:
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil { return "host not found" }
            return error.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED } ? "connection refused" : "no connection"
        case is SocketAddressError, is SocketAddressError.UnknownHost: return "host not found"
        case let error as IOError where error.errnoCode == ECONNREFUSED: return "connection refused"
        case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError: return "TLS failure"
        case let error as ChannelError:
            if case .connectTimeout = error { return "connect timeout" }
            return "connection closed"
        default: return "network error"
        }
    }
}
