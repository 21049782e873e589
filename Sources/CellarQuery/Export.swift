import Foundation
import GRDB

/// Rows of an export: one per cell, per field or per well.
public enum ExportLevel: String, CaseIterable, Sendable {
    case cell, field, well
}

/// File format of an export.
public enum ExportFormat: String, CaseIterable, Sendable {
    case csv, tsv, jsonl
    /// The SQLite layout cytominer-database writes (`image` + `nuclei` tables), for pycytominer.
    case cytominerSQLite = "cytominer-sqlite"
}

/// How field- and well-level rows combine their cells (as `pycytominer.aggregate`).
public enum Aggregation: String, CaseIterable, Sendable {
    case median, mean
}

public struct ExportOptions: Sendable {
    public var filter: FieldFilter
    public var level: ExportLevel
    /// Feature names (resolved like `summary --feature`); empty = every feature column.
    public var features: [String]
    public var format: ExportFormat
    public var aggregation: Aggregation

    public init(filter: FieldFilter = FieldFilter(), level: ExportLevel = .cell, features: [String] = [],
                format: ExportFormat = .csv, aggregation: Aggregation = .median) {
        self.filter = filter
        self.level = level
        self.features = features
        self.format = format
        self.aggregation = aggregation
    }
}

/// What an export wrote.
public struct ExportResult: Sendable {
    public var rows: Int
    public var bytes: Int
    public var seconds: Double
    public var rowsPerSecond: Double { seconds > 0 ? Double(rows) / seconds : 0 }
}

/// `cellar export`: cells (or per-field / per-well aggregates) with pycytominer/CellProfiler
/// column names, streamed in constant memory.
///
/// Columns: `Metadata_Plate`, `Metadata_Well`, `Metadata_Site`, `ImageNumber` (1…fields in
/// export order), `ObjectNumber`, then the `Nuclei_…` features. Field level replaces
/// `ObjectNumber` by `Metadata_Object_Count`; well level has `Metadata_Site_Count` and
/// `Metadata_Object_Count` after the well. Missing values are empty in CSV/TSV and `null`
/// in JSON lines — never `nan`. Numbers: see `NumberFormat`.
public enum Export {
    /// Writes the export to `path` (`nil` or `-` = standard output). One read snapshot;
    /// memory O(columns) at cell level, O(cells of one well × columns) at field/well level.
    /// Time O(cells × columns). Cell level runs on `workers` connections of one snapshot
    /// (`Screen.readInParallel`), each formatting chunks of fields that are written in order.
    public static func run(_ screen: Screen, _ options: ExportOptions, to path: String?,
                           workers: Int = Screen.defaultWorkers) throws(QueryError) -> ExportResult {
        if options.format == .cytominerSQLite {
            guard let path, path != "-" else {
                throw .invalidArgument("--format cytominer-sqlite writes a database file: give --out FILE.sqlite")
            }
            return try CytominerExport.run(screen, options, to: path)
        }
        let all = try screen.featureColumns()
        let features = options.features.isEmpty ? all : try FeatureNames.resolve(options.features, columns: all)
        // Unknown plates and wells are refused before the output file exists.
        _ = try screen.read { db in try Screen.fields(options.filter, db: db) }
        let start = DispatchTime.now()
        let sink = try ByteSink(path: path)
        var finished = false
        defer {
            // Leave no partial or empty file behind when the export fails half-way.
            if !finished, let path, path != "-" {
                try? sink.close()
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        if options.level == .cell {
            try RowWriter(sink: sink, format: options.format, columns: header(.cell) + features).writeHeader()
            let rows = try writeCells(screen, options, features: features, sink: sink, workers: workers)
            try sink.close()
            finished = true
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            return ExportResult(rows: rows, bytes: sink.bytesWritten, seconds: seconds)
        }
        let rows: Int = try screen.read { db in
            let fields = try Screen.fields(options.filter, db: db).filter { $0.status == "done" }
            var writer = RowWriter(sink: sink, format: options.format, columns: header(options.level) + features)
            try writer.writeHeader()
            return try writeAggregates(fields, features: features, level: options.level,
                                       aggregation: options.aggregation, db: db, writer: &writer)
        }
        try sink.close()
        finished = true
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return ExportResult(rows: rows, bytes: sink.bytesWritten, seconds: seconds)
    }

    /// Metadata columns of a level.
    public static func header(_ level: ExportLevel) -> [String] {
        switch level {
        case .cell: ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "ImageNumber", "ObjectNumber"]
        case .field: ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "ImageNumber", "Metadata_Object_Count"]
        case .well: ["Metadata_Plate", "Metadata_Well", "Metadata_Site_Count", "Metadata_Object_Count"]
        }
    }

    /// Fields per chunk of a cell-level export (~8,000 rows, a few MB of text).
    static let fieldsPerChunk = 32

    /// Cell rows of every field: worker `w` formats chunks `w`, `w + workers`, … of
    /// `fieldsPerChunk` fields into its own memory buffer and appends each to `sink` in chunk
    /// order. No allocation per row. Returns the rows written.
    private static func writeCells(_ screen: Screen, _ options: ExportOptions, features: [String],
                                   sink: ByteSink, workers: Int) throws(QueryError) -> Int {
        let output = OrderedOutput(sink)
        let columns = header(.cell) + features
        let counts = try screen.readInParallel(workers: workers) { worker, workers, db in
            do {
                let fields = try Screen.fields(options.filter, db: db).filter { $0.status == "done" }
                let local = ByteSink(memoryCapacity: 8 << 20)
                let writer = RowWriter(sink: local, format: options.format, columns: columns)
                let cursor = try CellCursor(db: db, columns: features)
                var row = [Double](repeating: 0, count: features.count)
                var rows = 0
                var chunk = worker
                while chunk * fieldsPerChunk < fields.count {
                    let first = chunk * fieldsPerChunk
                    try row.withUnsafeMutableBufferPointer { buffer in
                        for index in first ..< min(first + fieldsPerChunk, fields.count) {
                            let field = fields[index]
                            // The four metadata values are the same for every cell of the field.
                            let prefix = try writer.encodePrefix([.text(field.plate), .text(field.well), .int(field.site),
                                                                  .int(index + 1)])
                            try cursor.forEach(field: field.id, row: buffer) { object, values in
                                try writer.writeRow(prefix: prefix, int: object, values: UnsafeBufferPointer(values))
                                rows += 1
                            }
                        }
                    }
                    try output.write(chunk: chunk, from: local)
                    chunk += workers
                }
                return rows
            } catch {
                output.abort()
                throw error
            }
        }
        return counts.reduce(0, +)
    }

    private static func writeAggregates(_ fields: [FieldRef], features: [String], level: ExportLevel,
                                        aggregation: Aggregation, db: Database, writer: inout RowWriter) throws -> Int {
        let cursor = try CellCursor(db: db, columns: features, objectNumbers: false)
        let m = features.count
        var columns = [[Double]](repeating: [], count: m)
        var row = [Double](repeating: 0, count: m)
        var result = [Double](repeating: 0, count: m)
        var rows = 0
        var start = 0
        while start < fields.count {
            var end = start + 1
            if level == .well {
                while end < fields.count && fields[end].plate == fields[start].plate
                    && fields[end].row == fields[start].row && fields[end].column == fields[start].column { end += 1 }
            }
            for c in 0 ..< m { columns[c].removeAll(keepingCapacity: true) }
            var objects = 0
            try row.withUnsafeMutableBufferPointer { buffer in
                for field in fields[start ..< end] {
                    try cursor.forEach(field: field.id, row: buffer) { _, values in
                        for c in 0 ..< m { columns[c].append(values[c]) }
                        objects += 1
                    }
                }
            }
            for c in 0 ..< m {
                result[c] = aggregate(&columns[c], aggregation)
            }
            let f = fields[start]
            let metadata: [MetaValue] = level == .well
                ? [.text(f.plate), .text(f.well), .int(end - start), .int(objects)]
                : [.text(f.plate), .text(f.well), .int(f.site), .int(start + 1), .int(objects)]
            let prefix = try writer.encodePrefix(metadata)
            try result.withUnsafeBufferPointer { values in
                try writer.writeRow(prefix: prefix, int: nil, values: values)
            }
            rows += 1
            start = end
        }
        return rows
    }

    /// Median (exact, NaN skipped, as pandas) or mean of non-missing values; NaN if none.
    static func aggregate(_ values: inout [Double], _ aggregation: Aggregation) -> Double {
        switch aggregation {
        case .median:
            return Stats.median(&values) ?? .nan
        case .mean:
            var sum = 0.0, n = 0
            for x in values where !x.isNaN { sum += x; n += 1 }
            return n > 0 ? sum / Double(n) : .nan
        }
    }
}

/// Appends chunks to one sink in chunk order (0, 1, 2, …) from several threads.
// @unchecked Sendable: `sink`, `next` and `aborted` are used only under `condition`, and a
// chunk is appended only by the thread whose turn it is.
final class OrderedOutput: @unchecked Sendable {
    private let sink: ByteSink
    private let condition = NSCondition()
    private var next = 0
    private var aborted = false

    init(_ sink: ByteSink) { self.sink = sink }

    /// Waits for chunk `chunk`'s turn, appends `local`'s bytes, empties `local`.
    func write(chunk: Int, from local: ByteSink) throws(QueryError) {
        condition.lock()
        defer { condition.unlock() }
        while next != chunk && !aborted { condition.wait() }
        if aborted { throw .output(path: sink.path, reason: "export stopped by an error in another reader") }
        do {
            try local.withBytes { bytes throws(QueryError) in try sink.append(bytes) }
        } catch {
            aborted = true
            condition.broadcast()
            throw error
        }
        local.removeAll()
        next += 1
        condition.broadcast()
    }

    /// Wakes every waiting writer with an error (a reader failed).
    func abort() {
        condition.lock()
        aborted = true
        condition.broadcast()
        condition.unlock()
    }
}
