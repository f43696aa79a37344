import Hummingbird
import NIOCore

/// The pages' CSS and JavaScript, compiled into the binary and served under `/static/`.
/// Only these names exist; anything else under `/static/` is a 404.
enum StaticFiles {
    struct File {
        let bytes: [UInt8]
        let contentType: String
        /// Changes whenever the content does, so a browser's copy is revalidated cheaply.
        let etag: String
    }

    static let files: [String: File] = [
        "keyflow.css": file(PackageResources.keyflow_css, "text/css; charset=utf-8"),
        "keyflow.js": file(PackageResources.keyflow_js, "text/javascript; charset=utf-8"),
    ]

    static func file(_ bytes: [UInt8], _ contentType: String) -> File {
        // FNV-1a over our own compiled-in bytes: a cache validator, not a security measure.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return File(bytes: bytes, contentType: contentType, etag: "\"" + String(hash, radix: 16) + "\"")
    }

    /// Adds `GET /static/:file`. Browsers may keep a file an hour, then ask again with its ETag.
    static func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/static/:file") { request, context -> Response in
            guard let name = context.parameters.get("file"), let file = files[name] else {
                return Response(status: .notFound)
            }
            var headers: HTTPFields = [
                .contentType: file.contentType, .cacheControl: "public, max-age=3600", .eTag: file.etag,
                .xContentTypeOptions: "nosniff",
            ]
            if request.headers[.ifNoneMatch] == file.etag {
                headers[.contentType] = nil
                return Response(status: .notModified, headers: headers)
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
        }
    }
}
