import Hummingbird
import PXRuntime
import PXState

/// Answers every dashboard request on pxscript's state threads (`StateThreads`): its pages read
/// states and its actions write them, and a write may wait for another program's lock for the
/// whole busy timeout. There it holds one of pxscript's own threads, never one of Swift's
/// cooperative pool that the daemon's courier and every other task share.
struct DashboardStateThreads<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await withTaskExecutorPreference(StateThreads.shared) { try await next(request, context) }
    }
}
