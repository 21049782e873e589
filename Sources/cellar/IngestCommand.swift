import ArgumentParser
import CellarIngest

/// `cellar ingest ROOT --db DB`: scan, process everything new, print a summary, exit.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Process every new or changed field under a folder into the database, then exit.",
        discussion: "Exit status: 0 when everything was stored, 1 when some files failed (see `cellar status`).")

    @Argument(help: "Acquisition folder (searched recursively).")
    var root: String

    @Option(help: "Database file (created if missing).")
    var db: String

    @Option(help: "Parallel workers (default: number of cores).")
    var workers: Int?

    @Flag(help: "Print per-stage milliseconds per field.")
    var profile = false

    @OptionGroup var acquisition: AcquisitionOptions
    @OptionGroup var segmentation: SegmentationOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.makeLogger()
        let session = try IngestSession(root: root, database: db, acquisition: acquisition, segmentation: segmentation,
                                        workers: workers, watch: false, profile: profile, logger: logger)
        let store = try session.openStore()
        let runner = IngestRunner(root: session.root, store: store, settings: session.settings,
                                  options: session.options, logger: logger)
        let line = ProgressLine()
        let summary = try await runner.run { line.show($0) }
        line.finish()
        try store.close()
        let code = IngestSession.report(summary, profile: profile)
        if code != 0 { throw ExitCode(code) }
    }
}
