import ArgumentParser
import CellarQuery
import CellarStore

/// `cellar masks`: a field's label image or COCO RLE JSON rebuilt from the database.
struct MasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "masks",
        abstract: "Rebuild a field's label image (.png/.tif) or COCO RLE JSON (.json) from the stored masks.",
        discussion: ExitStatus.help)

    @OptionGroup var database: DatabaseOptions
    @Option(help: ArgumentHelp("The field.", valueName: "PLATE/WELL/SITE"))
    var field: String
    @Option(help: ArgumentHelp("Output: .png (16-bit), .tif (16/32-bit) or .json (COCO).", valueName: "FILE"))
    var out: String

    func run() throws {
        let result = try reportingErrors { () throws(QueryError) in
            try MaskExport.write(try database.open(scope: MergeScope(plate: FieldKey(parsing: field)?.plate)), field: field, to: out)
        }
        let kind = result.bits == 0 ? "COCO JSON" : "\(result.bits)-bit labels"
        printError("wrote \(out): \(result.objects) objects, \(result.width)×\(result.height), \(kind)")
    }
}
