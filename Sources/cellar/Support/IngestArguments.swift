import ArgumentParser
import CellarIngest
import CellarStore
import Foundation

/// What `ingest` and `watch` both take: the folder, the database, workers and
/// the acquisition, segmentation and logging option groups.
struct IngestArguments: ParsableArguments {
    @Argument(help: "Acquisition folder (searched recursively).")
    var root: String

    @Option(help: "Database file (created if missing).")
    var db: String

    @Option(help: "Parallel workers (default: number of cores).")
    var workers: Int?

    @Flag(help: "Print per-stage milliseconds per field at the end.")
    var profile = false

    @Option(help: "Segmentation method (default watershed; unet: slower, more accurate on clumped nuclei).")
    var method: SegmentationMethod?

    @Option(help: "U-Net model file (.safetensors; default: the model built into cellar, Models/cellar-unet.safetensors).")
    var model: String?

    @OptionGroup var acquisition: AcquisitionOptions
    @OptionGroup var segmentation: SegmentationOptions
    @OptionGroup var logging: LoggingOptions

    /// Settings (flags over `ROOT/cellar.toml`), the store and a runner for them.
    func makeRunner(watch: Bool, shard: Shard? = nil, adjust: (inout IngestSettings) -> Void = { _ in }) throws -> (IngestRunner, Store) {
        let logger = logging.makeLogger()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationErrorMessage("\(root) is not a directory")
        }
        let rootPath = URL(fileURLWithPath: root).standardizedFileURL.path
        var flags = try acquisition.settings(segmentation: segmentation)
        flags.segmentation.method = method
        flags.segmentation.model = model
        var settings = try flags.merged(withRoot: rootPath)
        adjust(&settings)
        // Refuse bad settings before the database (and its lock) is created.
        _ = try settings.resolvedLayout()
        _ = try settings.watchMode()
        var options = IngestOptions(segmentation: try settings.segmentationParameters(), watch: watch,
                                    profile: profile, version: CellarVersion.current)
        options.unet = try settings.unetModel()
        if let workers { options.workers = max(1, workers) }
        options.shard = shard
        let store = try Store.open(at: db, mode: .readWrite, logger: logger)
        printError("cellar: database \(store.path)")
        return (IngestRunner(root: rootPath, store: store, settings: settings, options: options, logger: logger), store)
    }
}

/// The end-of-run summary of `ingest` and `watch`, on standard output.
enum IngestReport {
    /// Prints the summary; returns the exit code (1 when something failed).
    static func print(_ s: IngestSummary, profile: Bool) -> Int32 {
        let p = s.progress
        var out = "ingested \(p.fieldsDone) field(s), \(p.cells) cells"
        if p.fieldsSkipped > 0 { out += "; \(p.fieldsSkipped) unchanged field(s) skipped" }
        if let layout = s.layout { out += "; layout \(layout)" }
        out += "\n"
        if p.fieldsDone > 0 {
            out += String(format: "throughput: %.1f fields/s, %.0f cells/s (%.2f s processing, %.2f s in all)\n",
                          p.fieldsPerSecond, p.cellsPerSecond, p.processingSeconds, p.elapsed)
        }
        if profile, p.fieldsDone > 0 {
            out += "stages (ms per field): " + s.times.summary(fields: p.fieldsDone) + "\n"
        }
        let failures = p.fieldsFailed + p.otherFailures
        if failures > 0 {
            out += "\(failures) failure(s) recorded (see `cellar status`):\n"
            for f in s.failures.prefix(20) { out += "  \(f.path): \(f.reason)\n" }
            if s.failures.count > 20 { out += "  … and \(s.failures.count - 20) more\n" }
        }
        Swift.print(out, terminator: "")
        return failures > 0 ? 1 : 0
    }
}

enum CellarVersion {
    static let current = "0.1.0"
}

/// `--method`: case-insensitive, its values (every ``SegmentationMethod``) listed in `--help`.
extension SegmentationMethod: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
