import Foundation
import GRDB
import GRDBSQLite

/// A plate with its totals (from `field.cell_count`; `cell` is not scanned).
public struct PlateSummary: Sendable, Hashable {
    public var name: String
    public var layout: String?
    public var root: String?
    public var createdAt: String
    public var wells: Int
    public var fieldsDone: Int
    public var fieldsFailed: Int
    public var cells: Int
}

/// Cells of one well (sum of its fields' `cell_count`).
public struct WellCount: Sendable, Hashable {
    public var plate: String
    public var row: Int
    public var column: Int
    /// `B03`
    public var name: String
    public var fieldsDone: Int
    public var fieldsFailed: Int
    public var cells: Int
}

/// One stored field.
public struct FieldCount: Sendable, Hashable {
    public var key: FieldKey
    /// `done` or `failed`.
    public var status: String
    /// nil for failed fields.
    public var cellCount: Int?
    public var runID: Int64
    public var ingestedAt: String
}

/// The cells of one field: `values` row-major `objectNumbers.count × columns.count`, NULL → NaN;
/// `masks` empty or aligned with `objectNumbers`.
public struct FieldCells: Sendable {
    public var key: FieldKey
    public var columns: [String]
    public var objectNumbers: [Int]
    public var values: [Double]
    public var masks: StoredMasks
}

/// A `run` row.
public struct RunRecord: Sendable, Hashable {
    public var id: Int64
    public var startedAt: String
    public var finishedAt: String?
    public var version: String
    public var parametersJSON: String
    public var parametersHash: String
    /// Fields whose current rows this run produced (0 once later runs superseded them all).
    public var fields: Int
    /// Fields this run stored as done, cells in them, and fields it stored as failed: what it
    /// produced, kept when later runs supersede it (`schema/0003_run_history.sql`).
    public var fieldsStored: Int
    public var cellsStored: Int
    public var fieldsFailedStored: Int
    /// Acquisition folder and throughput as the run last reported them (nil before its first report).
    public var root: String?
    public var fieldsPerSecond: Double?
}

/// A `failure` row.
public struct StoredFailure: Sendable, Hashable {
    public var path: String
    public var reason: String
    public var kind: FailureKind
    public var at: String
    public var runID: Int64
}

extension Store {
    /// The pid of the process writing this database (`cellar watch` or `ingest`),
    /// or nil when none has it open; -1 when the pid is unknown.
    public var writerPID: Int32? { WriterLock.holder(database: path) }

    /// Runs `body` in one read transaction (a consistent snapshot), mapping errors.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch { throw mapError(error) }
    }

    /// Feature columns of `cell` in table order, from `PRAGMA table_info(cell)`.
    public func featureColumns() throws(StoreError) -> [String] {
        try read { db in try Schema.featureColumns(db) }
    }

    /// Plates with totals. O(fields).
    public func plates() throws(StoreError) -> [PlateSummary] {
        try read { db in try Self.plates(db: db) }
    }

    static func plates(db: Database) throws -> [PlateSummary] {
        try Row.fetchAll(db, sql: """
            SELECT p.name, p.layout, p.root, p.created_at,
                   (SELECT count(*) FROM well w WHERE w.plate_id = p.id) AS wells,
                   count(CASE WHEN f.status = 'done' THEN 1 END) AS done,
                   count(CASE WHEN f.status = 'failed' THEN 1 END) AS failed,
                   coalesce(sum(f.cell_count), 0) AS cells
            FROM plate p
            LEFT JOIN well w ON w.plate_id = p.id
            LEFT JOIN field f ON f.well_id = w.id
            GROUP BY p.id ORDER BY p.name
            """).map { row in
            PlateSummary(name: row[0], layout: row[1], root: row[2], createdAt: row[3],
                         wells: row[4], fieldsDone: row[5], fieldsFailed: row[6], cells: row[7])
        }
    }

    /// Cells per well of a plate (or of every plate), ordered by plate, row, column.
    /// Sums `field.cell_count`: O(fields), never scans `cell`.
    public func wellCounts(plate: String? = nil) throws(StoreError) -> [WellCount] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.name, w.row, w.col, w.name,
                       count(CASE WHEN f.status = 'done' THEN 1 END),
                       count(CASE WHEN f.status = 'failed' THEN 1 END),
                       coalesce(sum(f.cell_count), 0)
                FROM well w
                JOIN plate p ON p.id = w.plate_id
                LEFT JOIN field f ON f.well_id = w.id
                WHERE ?1 IS NULL OR p.name = ?1
                GROUP BY w.id ORDER BY p.name, w.row, w.col
                """, arguments: [plate]).map { row in
                WellCount(plate: row[0], row: row[1], column: row[2], name: row[3],
                          fieldsDone: row[4], fieldsFailed: row[5], cells: row[6])
            }
        }
    }

    /// Stored fields of a plate (or of every plate), in key order. O(fields).
    public func fieldCounts(plate: String? = nil) throws(StoreError) -> [FieldCount] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.name, w.row, w.col, f.site, f.status, f.cell_count, f.run_id, f.ingested_at
                FROM field f
                JOIN well w ON w.id = f.well_id
                JOIN plate p ON p.id = w.plate_id
                WHERE ?1 IS NULL OR p.name = ?1
                ORDER BY p.name, w.row, w.col, f.site
                """, arguments: [plate]).map { row in
                FieldCount(key: FieldKey(plate: row[0], row: row[1], column: row[2], site: row[3]),
                           status: row[4], cellCount: row[5], runID: row[6], ingestedAt: row[7])
            }
        }
    }

    /// The cells (and masks) of one field, nil if the field is not stored.
    /// O(cells × columns); one snapshot, so cells and masks agree.
    public func cells(of key: FieldKey, includeMasks: Bool = true) throws(StoreError) -> FieldCells? {
        try read { db in
            guard let fieldID = try Store.fieldID(key, db: db) else { return nil }
            let columns = try Schema.featureColumns(db)
            var objects: [Int] = []
            var values: [Double] = []
            let list = columns.map(quoteIdentifier).joined(separator: ", ")
            let statement = try db.makeStatement(
                sql: "SELECT object_number, \(list) FROM cell WHERE field_id = ? ORDER BY object_number")
            let stmt = statement.sqliteStatement
            sqlite3_bind_int64(stmt, 1, fieldID)
            defer { sqlite3_reset(stmt) }
            while true {
                let rc = sqlite3_step(stmt)
                if rc == SQLITE_DONE { break }
                guard rc == SQLITE_ROW else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: rc),
                                        message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
                objects.append(Int(sqlite3_column_int64(stmt, 0)))
                for c in 0 ..< columns.count {
                    let i = Int32(c + 1)
                    values.append(sqlite3_column_type(stmt, i) == SQLITE_NULL ? .nan : sqlite3_column_double(stmt, i))
                }
            }
            var masks = StoredMasks()
            if includeMasks {
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT m.x, m.y, m.width, m.height, m.rle FROM cell c JOIN cell_mask m ON m.cell_id = c.id
                    WHERE c.field_id = ? ORDER BY c.object_number
                    """, arguments: [fieldID])
                while let row = try rows.next() {
                    // Borrow the blob without copying it into a Data first.
                    try row.withUnsafeData(atIndex: 4) { data in
                        masks.append(x: row[0], y: row[1], width: row[2], height: row[3], rle: data ?? Data())
                    }
                }
            }
            return FieldCells(key: key, columns: columns, objectNumbers: objects, values: values, masks: masks)
        }
    }

    /// Every run, oldest first, with what it produced and how many fields still hold its rows.
    public func runs() throws(StoreError) -> [RunRecord] {
        try read { db in try Self.runs(db: db) }
    }

    static func runs(db: Database) throws -> [RunRecord] {
        try Row.fetchAll(db, sql: """
            SELECT r.id, r.started_at, r.finished_at, r.version, r.parameters_json, r.parameters_hash,
                   (SELECT count(*) FROM field f WHERE f.run_id = r.id),
                   r.fields_stored, r.cells_stored, r.fields_failed_stored, r.root, r.fields_per_second
            FROM run r ORDER BY r.id
            """).map { row in
            RunRecord(id: row[0], startedAt: row[1], finishedAt: row[2], version: row[3],
                      parametersJSON: row[4], parametersHash: row[5], fields: row[6],
                      fieldsStored: row[7], cellsStored: row[8], fieldsFailedStored: row[9],
                      root: row[10], fieldsPerSecond: row[11])
        }
    }

    /// Recorded failures, oldest first, optionally of one run.
    public func failures(run: Int64? = nil) throws(StoreError) -> [StoredFailure] {
        try read { db in
            try Self.failures(run: run, db: db)
        }
    }

    static func failures(run: Int64?, db: Database) throws -> [StoredFailure] {
        try Row.fetchAll(db, sql: """
            SELECT path, reason, kind, at, run_id FROM failure WHERE ?1 IS NULL OR run_id = ?1 ORDER BY id
            """, arguments: [run]).map { row in
            StoredFailure(path: row[0], reason: row[1], kind: FailureKind(rawValue: row[2]) ?? .field,
                          at: row[3], runID: row[4])
        }
    }

    /// The image rows of a field, by channel.
    public func images(of key: FieldKey) throws(StoreError) -> [ImageRecord] {
        try read { db in
            guard let fieldID = try Store.fieldID(key, db: db) else { return [] }
            return try Row.fetchAll(db, sql: """
                SELECT channel, path, bytes, mtime, fingerprint, width, height, bits
                FROM image WHERE field_id = ? ORDER BY channel
                """, arguments: [fieldID]).map { row in
                ImageRecord(channel: row[0], path: row[1], bytes: row[2], mtime: row[3], fingerprint: row[4],
                            width: row[5], height: row[6], bits: row[7])
            }
        }
    }

    static func fieldID(_ key: FieldKey, db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: """
            SELECT f.id FROM field f
            JOIN well w ON w.id = f.well_id
            JOIN plate p ON p.id = w.plate_id
            WHERE p.name = ? AND w.row = ? AND w.col = ? AND f.site = ?
            """, arguments: [key.plate, key.row, key.column, key.site])
    }
}
