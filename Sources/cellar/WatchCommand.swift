import ArgumentParser
import CellarIngest
import Logging
import ServiceLifecycle

/// `cellar watch ROOT --db DB`: scan, then follow the folder until SIGINT/SIGTERM.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Keep the database current while a microscope writes into a folder.",
        discussion: """
            Scans the folder, then watches it (inotify, or polling on network shares) and \
            processes each field as soon as all its channels are written. Ctrl-C or SIGTERM \
            stops taking work, finishes the fields in hand, commits and exits 0; a restart \
            resumes where it stopped.
            """)

    @Argument(help: "Acquisition folder (watched recursively).")
    var root: String

    @Option(help: "Database file (created if missing).")
    var db: String

    @Option(help: "Parallel workers (default: number of cores).")
    var workers: Int?

    @Option(help: "Poll every N seconds instead of using inotify (for NFS/SMB shares).")
    var poll: Double?

    @Flag(help: "Print per-stage milliseconds per field at the end.")
    var profile = false

    @OptionGroup var acquisition: AcquisitionOptions
    @OptionGroup var segmentation: SegmentationOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.makeLogger()
        var session = try IngestSession(root: root, database: db, acquisition: acquisition, segmentation: segmentation,
                                        workers: workers, watch: true, profile: profile, logger: logger)
        if let poll {
            session.settings.watch = "poll"
            session.settings.pollInterval = .milliseconds(Int64(poll * 1000))
        }
        let store = try session.openStore()
        let runner = IngestRunner(root: session.root, store: store, settings: session.settings,
                                  options: session.options, logger: logger)
        let service = IngestService(runner: runner)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        try store.close()
        guard let summary = service.summary else { return }
        _ = IngestSession.report(summary, profile: profile)
    }
}

/// The runner as a service: graceful shutdown (a signal) stops it taking work.
final class IngestService: Service, @unchecked Sendable {
    // @unchecked: `summary` is written once by `run` and read after the group returns.
    let runner: IngestRunner
    private(set) var summary: IngestSummary?

    init(runner: IngestRunner) { self.runner = runner }

    func run() async throws {
        let line = ProgressLine()
        let runner = self.runner
        summary = try await withGracefulShutdownHandler {
            try await runner.run { line.show($0) }
        } onGracefulShutdown: {
            runner.stop()
        }
        line.finish()
    }
}
