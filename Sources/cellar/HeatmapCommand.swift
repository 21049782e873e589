import ArgumentParser
import CellarQuery
import CellarStore

/// `cellar heatmap`: a plate map of cells per well or a per-well feature statistic.
struct HeatmapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heatmap",
        abstract: "Plate map (PNG, or text with --format ascii) of cells per well or a per-well feature value.",
        discussion: ExitStatus.help)

    enum Format: String, ExpressibleByArgument { case png, ascii }

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Plate to draw.")
    var plate: String
    @Option(help: ArgumentHelp("cells, or FEATURE[:median|mean].", valueName: "cells|FEATURE[:median|mean]"))
    var value: String = "cells"
    @Option(help: "png (needs --out) or ascii (terminal).")
    var format: Format = .png
    @Option(help: ArgumentHelp("PNG file to write.", valueName: "FILE.png"))
    var out: String?

    func validate() throws {
        if format == .png && out == nil { throw ValidationError("give --out FILE.png (or --format ascii)") }
    }

    func run() throws {
        let values = try reportingErrors { () throws(QueryError) in
            try Heatmap.values(try database.open(scope: MergeScope(plate: plate, cells: value != "cells", masks: false)), plate: plate, value: try HeatmapValue(parsing: value))
        }
        switch format {
        case .ascii:
            print(Heatmap.ascii(values), terminator: "")
        case .png:
            try reportingErrors { () throws(QueryError) in try Heatmap.writePNG(values, to: out!) }
            printError("wrote \(out!): plate \(plate), \(values.label), \(values.values.count) wells with data")
        }
    }
}
