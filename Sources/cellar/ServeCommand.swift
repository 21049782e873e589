import ArgumentParser
import CellarServe
import Foundation

/// `cellar serve --db DB [--db DB…]`: the screen in a browser, live while `cellar watch` writes.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the screen in a web browser: plate heatmaps, fields with their masks, cells (read-only, live).",
        discussion: """
            Opens the databases read-only and serves one self-contained web app and a JSON API. \
            It binds to 127.0.0.1; any other --host needs --token (or CELLAR_TOKEN), which every \
            request must carry (the printed URL has it). Ctrl-C or SIGTERM stops it.
            """)

    @Option(name: .long, help: ArgumentHelp("Screen database (repeat for several).", valueName: "DB"))
    var db: [String]

    @Option(help: "Port (0 = any free port; the URL is printed).")
    var port = 8080

    @Option(help: "Address to listen on. Anything but 127.0.0.1/localhost/::1 needs --token.")
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("Access token (16+ characters) required on every request; default $CELLAR_TOKEN.", valueName: "SECRET"))
    var token: String?

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let token = self.token ?? ProcessInfo.processInfo.environment["CELLAR_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let config = ServeConfiguration(databases: db, host: host, port: port, token: token)
        do {
            try await ViewerServer.run(config, logger: logging.makeLogger()) { port in
                FileHandle.standardOutput.write(Data("cellar serve: \(config.url(port: port))\n".utf8))
            }
        } catch let error as ServeError {
            printError("error: \(error)")
            throw ExitCode(2)
        } catch {
            printError("error: cannot serve on \(host):\(port): \(error) (another program on that port? try --port 0)")
            throw ExitCode(1)
        }
    }
}
