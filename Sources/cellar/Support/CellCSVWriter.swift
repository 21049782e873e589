import CellarMeasure
import CellarQuery
import Foundation

/// Streams per-cell feature rows of several images to one CSV file:
/// `ImageName,ObjectNumber,<CellProfiler feature columns>`; missing values empty.
final class CellCSVWriter {
    private let handle: FileHandle
    private var columns: [String]?
    private var buffer = ""

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw ValidationErrorMessage("cannot create \(path)")
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    func append(image: String, table: CellTable) throws {
        if columns == nil {
            columns = table.columnNames
            buffer += "ImageName,ObjectNumber," + table.columnNames.joined(separator: ",") + "\n"
        }
        let objects = table.objectNumbers
        for row in 0..<table.rowCount {
            buffer += DelimitedText.field(image, separator: ",")
            buffer += ",\(objects[row])"
            for column in 0..<table.columnCount {
                buffer += ","
                if let v = table[row, column] { buffer += NumberFormat.string(v) }
            }
            buffer += "\n"
        }
        if buffer.utf8.count > 1 << 20 { try flush() }
    }

    private func flush() throws {
        try handle.write(contentsOf: Data(buffer.utf8))
        buffer = ""
    }

    func close() throws {
        try flush()
        try handle.close()
    }
}
