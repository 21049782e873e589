import Foundation
import Hummingbird

/// The web app, compiled into the binary from `Assets/` (SwiftPM `embedInCode` resources):
/// it needs no files and no network at run time.
enum Assets {
    static let script = PackageResources.app_js
    static let style = PackageResources.app_css

    /// The page, with `?token=…` on its script and style links when the server has a token
    /// (the token was checked by `AccessMiddleware`; it is percent-encoded, so nothing from
    /// the request reaches the HTML unescaped).
    static func html(token: String?) -> [UInt8] {
        let page = String(decoding: PackageResources.index_html, as: UTF8.self)
        var query = ""
        if let token {
            let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
            query = "?token=" + (token.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }
        return Array(page.replacingOccurrences(of: "{{QUERY}}", with: query).utf8)
    }

    static func response(_ bytes: [UInt8], type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
                 body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
