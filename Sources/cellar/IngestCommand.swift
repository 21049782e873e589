import ArgumentParser
import CellarIngest

/// `cellar ingest ROOT --db DB`: scan, process everything new, print a summary, exit.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Process every new or changed field under a folder into the database, then exit.",
        discussion: ExitStatus.help)

    @OptionGroup var arguments: IngestArguments

    func run() async throws {
        let (runner, store) = try arguments.makeRunner(watch: false)
        let line = ProgressLine()
        let summary = try await runner.run { line.show($0) }
        line.finish()
        try store.close()
        if summary.imagesFound == 0 && summary.progress.fieldsSeen == 0 {
            reportError("no image files (.tif, .tiff, .png) under \(arguments.root); nothing ingested")
            throw ExitCode(1)
        }
        let code = IngestReport.print(summary, profile: arguments.profile)
        if code != 0 { throw ExitCode(code) }
    }
}
