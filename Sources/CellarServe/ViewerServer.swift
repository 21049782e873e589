import Foundation
import Hummingbird
import Logging

/// `cellar serve`: opens the databases read-only and serves the viewer until SIGINT/SIGTERM.
public enum ViewerServer {
    /// The Hummingbird application for `configuration` (validated first). `onListening`
    /// receives the bound port (useful with port 0).
    public static func application(_ configuration: ServeConfiguration, logger: Logger,
                                   onListening: @escaping @Sendable (Int) async -> Void = { _ in })
        throws(ServeError) -> some ApplicationProtocol {
        try configuration.validate()
        let viewer = try Viewer(databases: configuration.databases, imageCacheBytes: configuration.imageCacheBytes, logger: logger)
        let router = ViewerRoutes.router(viewer: viewer, token: configuration.token)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "cellar"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// Runs until a signal stops it (graceful shutdown).
    public static func run(_ configuration: ServeConfiguration, logger: Logger,
                           onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = try application(configuration, logger: logger, onListening: onListening)
        try await app.runService()
    }
}
