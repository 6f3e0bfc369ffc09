import Foundation
import Hummingbird

/// The OpenAPI 3.1 description of the API, kept beside the code it describes and served as written.
enum OpenAPIDocument {
    static let bytes: [UInt8] = Array(FileManager.default.contents(atPath: Bundle.module.url(forResource: "openapi", withExtension: "json")!.path) ?? Data())

    static var response: Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
