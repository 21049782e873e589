import Foundation
import GRDB
import GRDBSQLite

/// `cellar export --format cytominer-sqlite`: the SQLite layout cytominer-database writes and
/// pycytominer's `SingleCells` reads.
///
/// - `image`: `TableNumber` (1… per plate), `ImageNumber` (1… per field, unique in the file),
///   `Metadata_Plate`, `Metadata_Well`, `Metadata_Site`, `Count_Nuclei`, and
///   `FileName_<channel>` / `PathName_<channel>` per channel, as CellProfiler's Image table.
/// - `nuclei`: `TableNumber`, `ImageNumber`, `ObjectNumber`, then the `Nuclei_…` features
///   (REAL, NULL when missing).
///
/// pycytominer joins the two on `(TableNumber, ImageNumber)` with its default `strata`
/// (`Metadata_Plate`, `Metadata_Well`) and `image_cols`. Cell level only.
enum CytominerExport {
    static func run(_ screen: Screen, _ options: ExportOptions, to path: String) throws(QueryError) -> ExportResult {
        guard options.level == .cell else {
            throw .invalidArgument("--format cytominer-sqlite holds single cells: use --level cell (pycytominer aggregates them)")
        }
        if FileManager.default.fileExists(atPath: path) {
            throw .output(path: path, reason: "file exists; remove it first (the export writes a new database)")
        }
        let all = try screen.featureColumns()
        let features = options.features.isEmpty ? all : try FeatureNames.resolve(options.features, columns: all)
        let start = DispatchTime.now()
        let out: DatabaseQueue
        do {
            var config = Configuration()
            config.label = "cellar.export.cytominer"
            out = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw .output(path: path, reason: "\(error)")
        }
        var succeeded = false
        defer { if !succeeded { try? out.close(); unlink(path) } }
        let rows: Int = try screen.read { db in
            let fields = try Screen.fields(options.filter, db: db).filter { $0.status == "done" }
            let channels = try String.fetchAll(db, sql: "SELECT DISTINCT channel FROM image ORDER BY channel")
                .filter { $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }
            let cursor = try CellCursor(db: db, columns: features)
            let imageStatement = try db.makeStatement(sql: "SELECT channel, path FROM image WHERE field_id = ?")
            return try out.inDatabase { target in
                try target.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")
                let fileColumns = channels.flatMap { ["FileName_\($0) TEXT", "PathName_\($0) TEXT"] }
                try target.execute(sql: """
                    CREATE TABLE image (
                        TableNumber INTEGER NOT NULL, ImageNumber INTEGER NOT NULL,
                        Metadata_Plate TEXT NOT NULL, Metadata_Well TEXT NOT NULL, Metadata_Site INTEGER NOT NULL,
                        Count_Nuclei INTEGER NOT NULL\(fileColumns.isEmpty ? "" : ", " + fileColumns.joined(separator: ", ")),
                        PRIMARY KEY (TableNumber, ImageNumber));
                    CREATE TABLE nuclei (
                        TableNumber INTEGER NOT NULL, ImageNumber INTEGER NOT NULL, ObjectNumber INTEGER NOT NULL,
                        \(features.map { CellCursor.quote($0) + " REAL" }.joined(separator: ", ")),
                        PRIMARY KEY (TableNumber, ImageNumber, ObjectNumber));
                    """)
                let imageColumns = ["TableNumber", "ImageNumber", "Metadata_Plate", "Metadata_Well", "Metadata_Site",
                                    "Count_Nuclei"] + channels.flatMap { ["FileName_\($0)", "PathName_\($0)"] }
                let insertImage = try target.makeStatement(sql: """
                    INSERT INTO image(\(imageColumns.joined(separator: ", ")))
                    VALUES (\(Array(repeating: "?", count: imageColumns.count).joined(separator: ", ")))
                    """)
                let insertCell = try target.makeStatement(sql: """
                    INSERT INTO nuclei(TableNumber, ImageNumber, ObjectNumber, \(features.map(CellCursor.quote).joined(separator: ", ")))
                    VALUES (\(Array(repeating: "?", count: features.count + 3).joined(separator: ", ")))
                    """)
                let cellStmt = insertCell.sqliteStatement
                try target.execute(sql: "BEGIN")
                var tableNumbers: [String: Int] = [:]
                var rows = 0
                var row = [Double](repeating: 0, count: features.count)
                try row.withUnsafeMutableBufferPointer { buffer in
                    for (index, field) in fields.enumerated() {
                        let table = tableNumbers[field.plate] ?? (tableNumbers.count + 1)
                        tableNumbers[field.plate] = table
                        let imageNumber = index + 1
                        var files: [String: String] = [:]
                        let images = try Row.fetchAll(imageStatement, arguments: [field.id])
                        for image in images { files[image[0]] = image[1] }
                        var arguments: [(any DatabaseValueConvertible)?] = [table, imageNumber, field.plate, field.well,
                                                                           field.site, field.cells]
                        for channel in channels {
                            let path = files[channel]
                            arguments.append(path.map { ($0 as NSString).lastPathComponent })
                            arguments.append(path.map { ($0 as NSString).deletingLastPathComponent })
                        }
                        try insertImage.execute(arguments: StatementArguments(arguments))
                        try cursor.forEach(field: field.id, row: buffer) { object, values in
                            sqlite3_reset(cellStmt)
                            sqlite3_bind_int64(cellStmt, 1, Int64(table))
                            sqlite3_bind_int64(cellStmt, 2, Int64(imageNumber))
                            sqlite3_bind_int64(cellStmt, 3, Int64(object))
                            for c in 0 ..< values.count {
                                let v = values[c]
                                if v.isFinite { sqlite3_bind_double(cellStmt, Int32(c + 4), v) }
                                else { sqlite3_bind_null(cellStmt, Int32(c + 4)) }
                            }
                            let rc = sqlite3_step(cellStmt)
                            guard rc == SQLITE_DONE else {
                                throw DatabaseError(resultCode: ResultCode(rawValue: rc),
                                                    message: String(cString: sqlite3_errmsg(target.sqliteConnection)))
                            }
                            rows += 1
                        }
                    }
                }
                sqlite3_reset(cellStmt)
                try target.execute(sql: "COMMIT")
                return rows
            }
        }
        do { try out.close() } catch { throw .output(path: path, reason: "\(error)") }
        succeeded = true
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return ExportResult(rows: rows, bytes: bytes ?? 0, seconds: seconds)
    }
}
