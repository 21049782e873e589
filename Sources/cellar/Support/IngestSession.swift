import ArgumentParser
import CellarIngest
import CellarStore
import Foundation
import Logging

/// What `ingest` and `watch` share: open the store, build the runner, print the summary.
struct IngestSession {
    var root: String
    var database: String
    var settings: IngestSettings
    var options: IngestOptions
    var logger: Logger

    init(root: String, database: String, acquisition: AcquisitionOptions, segmentation: SegmentationOptions,
         workers: Int?, watch: Bool, profile: Bool, logger: Logger) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CleanExit.message("error: \(root) is not a directory") as Error
        }
        self.root = URL(fileURLWithPath: root).standardizedFileURL.path
        self.database = database
        self.logger = logger
        settings = try acquisition.settings(segmentation: segmentation).merged(withRoot: self.root)
        options = IngestOptions(segmentation: try settings.segmentationParameters(), watch: watch, profile: profile,
                                version: CellarVersion.current)
        if let workers { options.workers = max(1, workers) }
    }

    func openStore() throws -> Store {
        let store = try Store.open(at: database, mode: .readWrite, logger: logger)
        printError("cellar: database \(store.path)")
        return store
    }

    /// Prints the end-of-run summary on stdout; returns the exit code (1 when something failed).
    static func report(_ s: IngestSummary, profile: Bool) -> Int32 {
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
        print(out, terminator: "")
        return failures > 0 ? 1 : 0
    }
}

enum CellarVersion {
    static let current = "0.1.0"
}
