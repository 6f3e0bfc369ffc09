import EmendCore
import EmendStore
import Hummingbird

/// Errors a request meets outside the store.
enum RequestError: Error {
    /// A query parameter or body member that is missing, unknown or malformed.
    case badParameter(String, reason: String)
    case unauthorized(String)
    case forbidden(String)
    case rateLimited(retryAfterSeconds: Int)
}

extension RequestError: CustomStringConvertible {
    var description: String { ErrorDescription(self).message }
}

/// Every error, mapped to its HTTP status and code in this one place.
struct ErrorDescription {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var field: String?
    var headers: HTTPFields = [:]

    init(_ error: any Error) {
        switch error {
        case let error as InvalidInput:
            self.init(status: .badRequest, code: "invalid", message: error.description, field: error.field)
        case RequestError.badParameter(let name, let reason):
            self.init(status: .badRequest, code: "invalid", message: "\(name): \(reason)", field: name)
        case RequestError.unauthorized(let message):
            self.init(status: .unauthorized, code: "unauthorized", message: message)
        case RequestError.forbidden(let message):
            self.init(status: .forbidden, code: "forbidden", message: message)
        case RequestError.rateLimited(let seconds):
            self.init(
                status: .tooManyRequests, code: "rate_limited",
                message: "too many reports from this address; try again in \(seconds) s",
                headers: [.retryAfter: String(seconds)])
        case let error as StaleProposal:
            self.init(status: .conflict, code: "stale", message: error.description)
        case let error as StoreError:
            switch error {
            case .conflict: self.init(status: .conflict, code: "conflict", message: error.description)
            case .notFound: self.init(status: .notFound, code: "not_found", message: error.description)
            case .invalid: self.init(status: .badRequest, code: "invalid", message: error.description)
            case .forbidden: self.init(status: .forbidden, code: "forbidden", message: error.description)
            case .corrupt: self.init(status: .internalServerError, code: "corrupt", message: error.description)
            case .busy: self.init(status: .serviceUnavailable, code: "busy", message: error.description)
            }
        case let error as any HTTPResponseError:
            let message = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            switch error.status {
            case .contentTooLarge: self.init(status: error.status, code: "too_large", message: "the request body is over the size limit")
            case .notFound: self.init(status: error.status, code: "not_found", message: message)
            case .methodNotAllowed: self.init(status: error.status, code: "method_not_allowed", message: message)
            default: self.init(status: error.status, code: "http_\(error.status.code)", message: message)
            }
        default:
            self.init(status: .internalServerError, code: "internal", message: "internal error")
        }
    }

    private init(status: HTTPResponse.Status, code: String, message: String, field: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers
    }

    var json: JSONValue {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let field { error["field"] = .string(field) }
        return ["error": .object(error)]
    }
}

/// Turns any error into the API's JSON error body under /api, and into an error page elsewhere.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let pages: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let description = ErrorDescription(error)
            if description.status == .internalServerError {
                context.logger.error("\(request.method) \(request.uri.path): \(error)")
            }
            var response: Response
            if request.uri.path.hasPrefix("/api/") || request.uri.path.hasPrefix("/annotations") {
                response = JSONResponse(description.json, status: description.status).response
            } else {
                response = pages.errorPage(description)
            }
            response.headers.append(contentsOf: description.headers)
            return response
        }
    }
}
