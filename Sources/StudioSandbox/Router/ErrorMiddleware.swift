import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns every error into a JSON body with the right status, so that no
/// answer of the sandbox is an empty 500 or an HTML page it did not mean.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let controls: SandboxControls

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The quirk is read per answer: tests switch it while the sandbox runs.
        let nested = controls.quirks.contains(.nestedErrors)
        do {
            return try await next(request, context)
        } catch let error as SandboxError {
            return try error.response(nested: nested)
        } catch is NIOTooManyBytesError {
            return try SandboxError.payloadTooLarge(limit: nil).response(nested: nested)
        } catch let error as HTTPError {
            let translated: SandboxError
            switch error.status {
            case .notFound: translated = .notFound
            case .methodNotAllowed: translated = .methodNotAllowed
            default:
                translated = SandboxError(error.status, code: "HTTP_\(error.status.code)", error.body ?? error.status.reasonPhrase)
            }
            return try translated.response(nested: nested)
        } catch is CancellationError {
            // The client went away (a daemon stopping, a simulated crash): nobody reads this answer.
            context.logger.debug("\(request.method) \(request.uri.path) cancelled by its client")
            return try SandboxError.internalError.response(nested: nested)
        } catch {
            context.logger.error("unexpected error answering \(request.method) \(request.uri.path): \(error)")
            return try SandboxError.internalError.response(nested: nested)
        }
    }
}
