import ArgumentParser
import CellarIngest
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
            """ + "\n\n" + ExitStatus.help)

    @OptionGroup var arguments: IngestArguments

    @Option(help: "Poll every N seconds instead of using inotify (for NFS/SMB shares).")
    var poll: Double?

    func run() async throws {
        let (runner, store) = try arguments.makeRunner(watch: true) { settings in
            if let poll {
                settings.watch = "poll"
                settings.pollInterval = .milliseconds(Int64(poll * 1000))
            }
        }
        let service = IngestService(runner: runner)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: arguments.logging.makeLogger()))
        try await group.run()
        try store.close()
        if let summary = service.summary { _ = IngestReport.print(summary, profile: arguments.profile) }
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
