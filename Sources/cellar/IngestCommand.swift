import ArgumentParser
import CellarIngest
import Foundation

/// `cellar ingest ROOT --db DB`: scan, process everything new, print a summary, exit.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Process every new or changed field under a folder into the database, then exit.",
        discussion: """
            With --shard, only whole wells whose hash of (plate, well) falls in the shard are processed; \
            a rerun skips finished fields, so a failed array task is simply resubmitted. Combine the \
            shard databases with `cellar merge`.
            """ + "\n\n" + ExitStatus.help)

    @OptionGroup var arguments: IngestArguments

    @Option(help: ArgumentHelp(
        "Process one slice of the wells: I/N (0-based shard I of N), auto/N (index from SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX) or auto (Slurm's array index and size).",
        valueName: "I/N|auto/N|auto"))
    var shard: String?

    func run() async throws {
        var selected: Shard? = nil
        if let shard {
            let (resolved, source) = try Shard.resolve(shard, environment: ProcessInfo.processInfo.environment)
            printError("cellar: shard \(resolved) (from \(source))")
            selected = resolved
        }
        let (runner, store) = try arguments.makeRunner(watch: false, shard: selected)
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
