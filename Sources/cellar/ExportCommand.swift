import ArgumentParser
import CellarQuery
import CellarStore

extension ExportLevel: ExpressibleByArgument {}
extension ExportFormat: ExpressibleByArgument {}
extension Aggregation: ExpressibleByArgument {}

/// `cellar export`: cells (or field/well aggregates) as CSV, TSV, JSON lines or a
/// cytominer-database SQLite file, with pycytominer/CellProfiler column names.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export cells, or per-field / per-well aggregates, for analysis (pycytominer column names).",
        discussion: """
            Columns: Metadata_Plate, Metadata_Well, Metadata_Site, ImageNumber, ObjectNumber, Nuclei_… \
            Missing values are empty (CSV/TSV) or null (JSON lines). --level well aggregates with the \
            median by default, like pycytominer.aggregate. --format cytominer-sqlite writes the image/nuclei \
            tables pycytominer's SingleCells reads.
            """ + "\n\n" + ExitStatus.help)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var selection: SelectionOptions
    @Option(help: "cell, field or well.")
    var level: ExportLevel = .cell
    @Option(name: [.customLong("features"), .customLong("feature")],
            help: ArgumentHelp("Features, comma-separated or repeated (default: all); --feature works too.", valueName: "F[,F…]"))
    var features: [String] = []
    @Option(help: "csv, tsv, jsonl or cytominer-sqlite.")
    var format: ExportFormat = .csv
    @Option(help: "How --level field|well combines cells: median or mean.")
    var aggregate: Aggregation = .median
    @Option(help: ArgumentHelp("Output file, - for standard output.", valueName: "FILE|-"))
    var out: String = "-"

    func run() throws {
        let options = ExportOptions(filter: selection.filter, level: level,
                                    features: features.flatMap { $0.split(separator: ",").map(String.init) },
                                    format: format, aggregation: aggregate)
        let result = try reportingErrors { () throws(QueryError) in
            try Export.run(try database.open(scope: MergeScope(plate: selection.plate, masks: false)), options, to: out)
        }
        if out != "-" {
            printError("wrote \(result.rows) rows to \(out) (\(result.bytes) bytes, \(String(format: "%.2f", result.seconds)) s)")
        }
    }
}
