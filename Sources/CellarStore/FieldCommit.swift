import GRDB
import GRDBSQLite

/// The body of one write transaction: a batch of fields and failures.
///
/// Per field: upsert plate, well and field (status, cell_count, run), replace its images, cells
/// and masks. Cells and masks go through cached prepared statements bound with the raw SQLite
/// API (no per-cell allocation). O(cells × columns) per field.
enum FieldCommit {
    /// Runs inside `DatabasePool.write` (one transaction). Returns the run id (inserted on the
    /// first commit of a writer).
    static func commit(_ batch: [WriterItem], run: RunInfo, runID: Int64?, newColumns: [String],
                       db: Database) throws -> Int64 {
        let runID = try runID ?? insertRun(run, db: db)
        if !newColumns.isEmpty {
            let existing = Set(try Schema.featureColumns(db))
            for name in newColumns where !existing.contains(name) {
                try db.execute(sql: "ALTER TABLE cell ADD COLUMN \(quoteIdentifier(name)) REAL")
            }
        }
        let now = Timestamp.now()
        // Cells get consecutive ids after the largest one, so `cell` is only appended to.
        var nextCellID = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) + 1 FROM cell") ?? 1
        for item in batch {
            switch item {
            case .field(let field, let insertSQL):
                try countInRun(field.key, status: "done", cellCount: field.cellCount, runID: runID, db: db)
                let fieldID = try upsertField(field.key, status: "done", cellCount: field.cellCount,
                                              runID: runID, now: now, db: db)
                try clearField(fieldID, db: db)
                try insertImages(field.images, fieldID: fieldID, db: db)
                try insertCells(field, fieldID: fieldID, firstID: nextCellID, sql: insertSQL, db: db)
                if !field.masks.isEmpty { try insertMasks(field.masks, firstID: nextCellID, db: db) }
                nextCellID += Int64(field.cellCount)
            case .failure(let record):
                if let key = record.field {
                    try countInRun(key, status: "failed", cellCount: nil, runID: runID, db: db)
                    let fieldID = try upsertField(key, status: "failed", cellCount: nil,
                                                  runID: runID, now: now, db: db)
                    try clearField(fieldID, db: db)
                    try insertImages(record.images, fieldID: fieldID, db: db)
                }
                try db.cachedStatement(sql: "INSERT INTO failure(path, reason, kind, at, run_id) VALUES (?, ?, ?, ?, ?)")
                    .execute(arguments: [record.path, record.reason, record.kind.rawValue, now, runID])
            }
        }
        return runID
    }

    private static func insertRun(_ run: RunInfo, db: Database) throws -> Int64 {
        try db.execute(
            sql: "INSERT INTO run(started_at, version, parameters_json, parameters_hash) VALUES (?, ?, ?, ?)",
            arguments: [Timestamp.now(), run.version, run.parametersJSON, run.parametersHash])
        return db.lastInsertedRowID
    }

    /// Adds the field about to be stored to its run's counters (`schema/0003_run_history.sql`),
    /// first taking back what the same run stored for it before (a field counts once per run).
    /// Call before `upsertField`. O(log fields).
    private static func countInRun(_ key: FieldKey, status: String, cellCount: Int?, runID: Int64,
                                   db: Database) throws {
        if let old = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT f.status, f.cell_count FROM field f
            JOIN well w ON w.id = f.well_id JOIN plate p ON p.id = w.plate_id
            WHERE p.name = ? AND w.row = ? AND w.col = ? AND f.site = ? AND f.run_id = ?
            """), arguments: [key.plate, key.row, key.column, key.site, runID]) {
            let oldDone = (old[0] as String) == "done"
            try db.cachedStatement(sql: """
                UPDATE run SET fields_stored = fields_stored - ?, cells_stored = cells_stored - ?,
                    fields_failed_stored = fields_failed_stored - ? WHERE id = ?
                """).execute(arguments: [oldDone ? 1 : 0, (old[1] as Int?) ?? 0, oldDone ? 0 : 1, runID])
        }
        let done = status == "done"
        try db.cachedStatement(sql: """
            UPDATE run SET fields_stored = fields_stored + ?, cells_stored = cells_stored + ?,
                fields_failed_stored = fields_failed_stored + ? WHERE id = ?
            """).execute(arguments: [done ? 1 : 0, cellCount ?? 0, done ? 0 : 1, runID])
    }

    /// Plate, well and field rows for `key`; returns the field id. O(log fields).
    private static func upsertField(_ key: FieldKey, status: String, cellCount: Int?, runID: Int64,
                                    now: String, db: Database) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO plate(name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING")
            .execute(arguments: [key.plate, now])
        guard let plateID = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM plate WHERE name = ?"), arguments: [key.plate]) else {
            throw StoreError.invalidField(key, reason: "plate row vanished")
        }
        try db.cachedStatement(sql: """
            INSERT INTO well(plate_id, row, col, name) VALUES (?, ?, ?, ?)
            ON CONFLICT(plate_id, row, col) DO NOTHING
            """).execute(arguments: [plateID, key.row, key.column, key.wellName])
        guard let wellID = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM well WHERE plate_id = ? AND row = ? AND col = ?"),
            arguments: [plateID, key.row, key.column]) else {
            throw StoreError.invalidField(key, reason: "well row vanished")
        }
        let fieldID = try Int64.fetchOne(db.cachedStatement(sql: """
            INSERT INTO field(well_id, site, status, cell_count, run_id, ingested_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(well_id, site) DO UPDATE SET
                status = excluded.status, cell_count = excluded.cell_count,
                run_id = excluded.run_id, ingested_at = excluded.ingested_at
            RETURNING id
            """), arguments: [wellID, key.site, status, cellCount, runID, now])
        guard let fieldID else { throw StoreError.invalidField(key, reason: "field upsert returned no id") }
        return fieldID
    }

    /// Removes the field's previous images, cells and masks (a re-processed field is replaced).
    private static func clearField(_ fieldID: Int64, db: Database) throws {
        try db.cachedStatement(sql: """
            DELETE FROM cell_mask WHERE cell_id IN (SELECT id FROM cell WHERE field_id = ?)
            """).execute(arguments: [fieldID])
        try db.cachedStatement(sql: "DELETE FROM cell WHERE field_id = ?").execute(arguments: [fieldID])
        try db.cachedStatement(sql: "DELETE FROM image WHERE field_id = ?").execute(arguments: [fieldID])
    }

    private static func insertImages(_ images: [ImageRecord], fieldID: Int64, db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO image(field_id, channel, path, bytes, mtime, fingerprint, width, height, bits)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(path) DO UPDATE SET
                field_id = excluded.field_id, channel = excluded.channel, bytes = excluded.bytes,
                mtime = excluded.mtime, fingerprint = excluded.fingerprint, width = excluded.width,
                height = excluded.height, bits = excluded.bits
            """)
        for image in images {
            try statement.execute(arguments: [
                fieldID, image.channel, image.path, image.bytes, image.mtime, image.fingerprint,
                image.width, image.height, image.bits,
            ])
        }
    }

    /// One row per cell; NaN → NULL. O(cells × columns), no allocation per cell.
    private static func insertCells(_ field: IngestedField, fieldID: Int64, firstID: Int64, sql: String,
                                    db: Database) throws {
        let statement = try db.cachedStatement(sql: sql)
        let stmt = statement.sqliteStatement
        let connection = db.sqliteConnection
        let m = field.featureColumns.count
        guard field.cellCount > 0 else { return }
        try field.values.withUnsafeBufferPointer { values in
            var offset = 0
            for object in 1 ... field.cellCount {
                sqlite3_reset(stmt)
                sqlite3_bind_int64(stmt, 1, firstID + Int64(object - 1))
                sqlite3_bind_int64(stmt, 2, fieldID)
                sqlite3_bind_int64(stmt, 3, Int64(object))
                for c in 0 ..< m {
                    let x = values[offset + c]
                    if x.isNaN {
                        sqlite3_bind_null(stmt, Int32(c + 4))
                    } else {
                        sqlite3_bind_double(stmt, Int32(c + 4), x)
                    }
                }
                offset += m
                let rc = sqlite3_step(stmt)
                guard rc == SQLITE_DONE else { throw stepError(rc, connection, stmt) }
            }
        }
        sqlite3_reset(stmt)
    }

    /// One row per mask; the RLE bytes are bound straight from the field's buffer. O(cells).
    private static func insertMasks(_ masks: StoredMasks, firstID: Int64, db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO cell_mask(cell_id, x, y, width, height, rle) VALUES (?, ?, ?, ?, ?, ?)
            """)
        let stmt = statement.sqliteStatement
        let connection = db.sqliteConnection
        let error: DatabaseError? = masks.boxes.withUnsafeBufferPointer { boxes in
            masks.rleOffsets.withUnsafeBufferPointer { offsets in
                masks.rleBytes.withUnsafeBytes { bytes in
                    defer {
                        sqlite3_reset(stmt)
                        sqlite3_bind_null(stmt, 6)  // drop the borrowed pointer before leaving
                    }
                    for i in 0 ..< masks.count {
                        sqlite3_reset(stmt)
                        sqlite3_bind_int64(stmt, 1, firstID + Int64(i))
                        for k in 0 ..< 4 { sqlite3_bind_int64(stmt, Int32(2 + k), Int64(boxes[4 * i + k])) }
                        let start = offsets[i], length = offsets[i + 1] - offsets[i]
                        if let base = bytes.baseAddress, length > 0 {
                            // SQLITE_STATIC (nil destructor): the bytes outlive the step below.
                            sqlite3_bind_blob(stmt, 6, base + start, Int32(length), nil)
                        } else {
                            sqlite3_bind_zeroblob(stmt, 6, 0)
                        }
                        let rc = sqlite3_step(stmt)
                        if rc != SQLITE_DONE { return stepError(rc, connection, stmt) }
                    }
                    return nil
                }
            }
        }
        if let error { throw error }
    }

    private static func stepError(_ rc: Int32, _ connection: OpaquePointer?, _ stmt: OpaquePointer?) -> DatabaseError {
        let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "step failed"
        sqlite3_reset(stmt)
        return DatabaseError(resultCode: ResultCode(rawValue: rc), message: message,
                             sql: stmt.flatMap { sqlite3_sql($0) }.map { String(cString: $0) })
    }
}
