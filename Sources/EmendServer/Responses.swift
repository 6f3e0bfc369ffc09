import EmendCore
import Hummingbird

/// A JSON body in the log's canonical form: sorted keys, no floating point, one way to write each value.
struct JSONResponse: ResponseGenerator {
    var bytes: [UInt8]
    var status: HTTPResponse.Status = .ok

    init(_ value: JSONValue, status: HTTPResponse.Status = .ok) {
        self.init(canonical: CanonicalJSON.encode(value), status: status)
    }

    /// A body already written in canonical JSON.
    init(canonical bytes: [UInt8], status: HTTPResponse.Status = .ok) {
        self.bytes = bytes
        self.status = status
    }

    var response: Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { response }
}

struct HTML: ResponseGenerator {
    var text: String
    var status: HTTPResponse.Status = .ok

    init(_ text: String, status: HTTPResponse.Status = .ok) {
        self.text = text
        self.status = status
    }

    var response: Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { response }
}

extension Response {
    /// 303 See Other: after a form post, the browser fetches the page with GET.
    static func seeOther(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
