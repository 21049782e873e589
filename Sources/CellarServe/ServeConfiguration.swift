import Foundation

/// What `cellar serve` was asked to do: the databases, where to listen and the access token.
public struct ServeConfiguration: Sendable {
    public var databases: [String]
    public var host: String
    public var port: Int
    /// Required for any host other than loopback; checked on every request when set.
    public var token: String?
    /// Bytes of rendered images kept in memory (PNG cache).
    public var imageCacheBytes: Int

    public init(databases: [String], host: String = "127.0.0.1", port: Int = 8080, token: String? = nil,
                imageCacheBytes: Int = 128 << 20) {
        self.databases = databases
        self.host = host
        self.port = port
        self.token = token
        self.imageCacheBytes = imageCacheBytes
    }

    /// Loopback addresses: the only ones served without a token.
    public static let loopbackHosts: Set<String> = ["127.0.0.1", "localhost", "::1"]

    /// Checks the safety rules before anything is opened: at least one database, a port in
    /// range, and a token (16+ characters) for any host that is not loopback.
    public func validate() throws(ServeError) {
        guard !databases.isEmpty else { throw .invalidConfiguration("give at least one --db") }
        guard (0 ... 65535).contains(port) else { throw .invalidConfiguration("--port must be 0…65535, got \(port)") }
        if let token {
            guard token.count >= 16, token.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
                throw .invalidConfiguration("the token must be at least 16 printable ASCII characters without spaces")
            }
        }
        if !Self.loopbackHosts.contains(host) && token == nil {
            throw .invalidConfiguration("""
                --host \(host) makes the viewer reachable from other machines: give --token (or set CELLAR_TOKEN) \
                with a secret of 16+ characters, e.g. --token $(openssl rand -hex 16)
                """)
        }
    }

    /// The address to open in a browser (with the token, when there is one).
    public func url(path: String = "/", port: Int? = nil) -> String {
        let h = host.contains(":") ? "[\(host)]" : host
        var url = "http://\(h):\(port ?? self.port)\(path)"
        if let token { url += (path.contains("?") ? "&" : "?") + "token=\(token)" }
        return url
    }
}

/// Errors of `cellar serve` before it listens.
public enum ServeError: Error, Sendable, CustomStringConvertible {
    case invalidConfiguration(String)
    case cannotOpen(path: String, reason: String)
    case duplicatePlate(String, first: String, second: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): message
        case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
        case .duplicatePlate(let plate, let first, let second):
            "plate \(plate) is in both \(first) and \(second); serve them separately (or merge them with `cellar merge`)"
        }
    }
}
