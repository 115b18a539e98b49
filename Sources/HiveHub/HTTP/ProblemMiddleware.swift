import Hummingbird
import Logging

/// Turns every error leaving a route into RFC 9457 problem+json, counts it, and logs it
/// without request bodies or headers (which may hold tokens).
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let metrics: HubMetrics
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            var response = try await next(request, context)
            response.headers[.init("X-Content-Type-Options")!] = "nosniff"
            return response
        } catch {
            var problem = Problem.from(error)
            if problem.type == .notFound, (error as? HTTPError)?.status == .notFound {
                let allowed = routes.methods(for: request.uri.path)
                if !allowed.isEmpty {
                    problem = Problem(
                        .methodNotAllowed, "\(request.method) is not allowed here; use \(allowed.joined(separator: ", "))",
                        headers: [.allow: allowed.joined(separator: ", ")])
                }
            }
            metrics.problems.increment()
            if problem.type == .internalError || problem.type == .storageError {
                context.logger.error(
                    "request failed", metadata: ["path": "\(request.uri.path)", "problem": "\(problem.type.slug)", "error": "\(error)"])
            } else {
                context.logger.debug("request refused", metadata: ["path": "\(request.uri.path)", "problem": "\(problem.type.slug)"])
            }
            var response = try problem.response(from: request, context: context)
            response.headers[.init("X-Content-Type-Options")!] = "nosniff"
            return response
        }
    }
}
