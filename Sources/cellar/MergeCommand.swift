import ArgumentParser
import CellarStore
import Foundation

/// `cellar merge OUT.db IN.db…`: shard databases into one, by natural keys.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge shard (or per-plate) databases into one database, by plate, well, site and object number.",
        discussion: """
            OUT is created if missing, or extended. Each input is copied in one transaction: a killed \
            merge leaves OUT consistent, and running it again completes it; merging an input twice \
            changes nothing. A field present in OUT and an input keeps the copy from the later run \
            (later run.started_at, then later field.ingested_at; on a tie the copy already in OUT); \
            every such field is listed. Inputs written by a newer Cellar are refused; older ones are \
            migrated on a temporary copy. Inputs are only read (read-only files are fine). \
            --verify finding a difference exits with 1.
            """ + "\n\n" + ExitStatus.help)

    @Argument(help: ArgumentHelp("Output database (created if missing).", valueName: "OUT.db"))
    var output: String

    @Argument(help: ArgumentHelp("Input databases, or folders (every *.db inside).", valueName: "IN.db"))
    var inputs: [String]

    @Flag(help: "After merging, compare counts per field (status, cell_count, cells, masks) with every input.")
    var verify = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one input database") }
    }

    func run() throws {
        let logger = logging.makeLogger()
        let files = try DatabaseList.expand(inputs, excluding: output)
        let store = try Store.open(at: output, mode: .readWrite, logger: logger)
        var cells = 0, masks = 0, seconds = 0.0, replaced = 0
        for input in files {
            let report = try store.merge(from: input)
            cells += report.cells; masks += report.masks; seconds += report.seconds; replaced += report.fieldsReplaced
            var line = "\(input): \(report.fieldsAdded) new field(s)"
            if !report.conflicts.isEmpty { line += ", \(report.fieldsReplaced) replaced, \(report.conflicts.count - report.fieldsReplaced) kept (later run already stored)" }
            if report.fieldsUnchanged > 0 { line += ", \(report.fieldsUnchanged) already merged" }
            line += String(format: "; %d cells, %d masks, %d images, %d run(s), %d failure record(s) in %.2f s (%.0f cells/s)",
                           report.cells, report.masks, report.images, report.runs, report.failures, report.seconds, report.cellsPerSecond)
            if report.migrated { line += "; migrated from an older schema" }
            print(line)
            for conflict in report.conflicts.prefix(20) { print("  \(conflict)") }
            if report.conflicts.count > 20 { print("  … and \(report.conflicts.count - 20) more") }
        }
        print(String(format: "merged %d database(s) into %@: %d cells, %d masks in %.2f s (%.0f cells/s)",
                     files.count, output, cells, masks, seconds, seconds > 0 ? Double(cells) / seconds : 0))
        if verify {
            let v = try store.verifyMerge(inputs: files)
            if v.isOK {
                print("verify: ok: \(v.fieldsMatched) field(s) with \(v.cells) cells and \(v.masks) masks match their input; \(v.fieldsSuperseded) superseded by a later run")
            } else {
                print("verify: \(v.mismatches.count) difference(s):")
                for line in v.mismatches.prefix(50) { print("  \(line)") }
            }
            try store.close()
            if !v.isOK { throw ExitCode(1) }
            return
        }
        try store.close()
    }
}

/// `--db A.db --db B.db` or `--db DIR`: the database files a command reads.
enum DatabaseList {
    /// Files as given; a directory contributes its `*.db` files (sorted, not recursive).
    /// `excluding` (the output of a merge) is left out of folders and refused as a file.
    static func expand(_ paths: [String], excluding: String? = nil) throws -> [String] {
        let skip = excluding.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        var out: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            // A missing file is passed on: the store says what is wrong (and exits with 3).
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".db") }.sorted()
                if names.isEmpty { throw ValidationErrorMessage("no *.db files in \(path)") }
                out += names.map { (path as NSString).appendingPathComponent($0) }
            } else {
                if URL(fileURLWithPath: path).standardizedFileURL.path == skip {
                    throw ValidationErrorMessage("\(path) is the output database; list only the databases to merge into it")
                }
                out.append(path)
            }
        }
        // A folder may hold the output too: it is not an input.
        return out.filter { URL(fileURLWithPath: $0).standardizedFileURL.path != skip }
    }
}
