import CellarQuery
import CellarStore
import Foundation
import Hummingbird

/// Every request passes here first.
///
/// With a token: the request must carry it (`Authorization: Bearer T`, or `token=T` in the
/// query for the page, its scripts and images), compared in constant time; else 401.
/// Without one (loopback only): the `Host` header must name a loopback address, so a web page
/// elsewhere cannot reach the viewer through DNS rebinding; else 403.
/// Errors of the query layer become JSON errors (lookups 404, busy database 503, others 500),
/// and every response gets `nosniff`, a strict content-security policy and `no-referrer`.
struct AccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        if let token {
            let bearer = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
            let given = bearer ?? request.query("token")
            guard let given, Self.constantTimeEqual(given, token) else {
                throw HTTPError(.unauthorized, message: "this viewer needs its access token: open the URL `cellar serve` printed (…?token=…) or send Authorization: Bearer TOKEN")
            }
        } else if let authority = request.head.authority, !Self.isLoopback(authority: authority) {
            throw HTTPError(.forbidden, message: "Host '\(Validate.printable(authority))' is not a loopback address; to serve other hosts start cellar serve with --host and --token")
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            throw error
        } catch let error as QueryError {
            throw HTTPError(error.isLookupFailure ? .notFound : .internalServerError, message: "\(error)")
        } catch let error as StoreError {
            throw HTTPError(error.isTransient ? .serviceUnavailable : .internalServerError, message: "\(error)")
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        return response
    }

    /// Whether `host[:port]` names 127.0.0.1, localhost or ::1.
    static func isLoopback(authority: String) -> Bool {
        var host = Substring(authority)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            host = host[host.index(after: host.startIndex) ..< close]
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        return ServeConfiguration.loopbackHosts.contains(host.lowercased())
    }

    /// Compares without an early exit, so the time taken says nothing about the token.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0 ..< y.count { difference |= (i < x.count ? x[i] : 0) ^ y[i] }
        return difference == 0
    }
}
