import ArgumentParser
import CellarQuery
import CellarStore

/// `cellar counts`: cells per well or per field (from the stored counts; never scans cells).
struct CountsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counts",
        abstract: "Cells per well (or per field); --grid shows each plate as rows × columns.",
        discussion: ExitStatus.help)

    enum Level: String, ExpressibleByArgument, CaseIterable { case well, field }

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var selection: SelectionOptions
    @Option(help: "One row per well or per field.")
    var by: Level = .well
    @Flag(help: "Print each plate as a grid of cells per well (rows A–P × columns).")
    var grid = false
    @OptionGroup var output: FormatOptions

    func run() throws {
        let screen = try reportingErrors { () throws(QueryError) in try database.open(scope: MergeScope(plate: selection.plate, cells: false)) }
        switch (by, grid) {
        case (.well, true):
            let wells = try reportingErrors { () throws(QueryError) in try Counts.perWell(screen, selection.filter) }
            print(PlateGrid.counts(wells), terminator: "")
        case (.well, false):
            let wells = try reportingErrors { () throws(QueryError) in try Counts.perWell(screen, selection.filter) }
            var table = OutputTable(columns: ["plate", "well", "fields", "failed_fields", "cells", "mean_cells_per_field"])
            table.rows = wells.map { w in
                [.text(w.plate), .text(w.well), .int(w.fields), .int(w.failedFields), .int(w.cells),
                 .real(w.meanCellsPerField.map { ($0 * 10).rounded() / 10 })]
            }
            print(table.render(output.format), terminator: "")
        case (.field, _):
            let fields = try reportingErrors { () throws(QueryError) in try Counts.perField(screen, selection.filter) }
            var table = OutputTable(columns: ["plate", "well", "site", "status", "cells"])
            table.rows = fields.map { f in [.text(f.plate), .text(f.well), .int(f.site), .text(f.status), .int(f.cells)] }
            print(table.render(output.format), terminator: "")
        }
    }
}
