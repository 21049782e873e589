import GRDB
import GRDBSQLite

/// Reads the cells of one field at a time, a row of chosen feature columns per cell, with the
/// raw SQLite API: no allocation per row, NULL → NaN.
///
/// The writer gives a field's cells consecutive ids, so the cursor finds the field's id range
/// in the `(field_id, object_number)` index and then range-scans the table by rowid — a
/// sequential read of the table pages, not one index lookup per cell. A field whose cells are
/// not contiguous (e.g. after a merge) is still read correctly, by the same range scan
/// filtered on `field_id`. O(cells × columns) per field.
struct CellCursor {
    let columns: [String]
    /// Column index of the first feature (1 after `object_number`, or 0 without it).
    private let first: Int32
    private let range: Statement
    /// Cells of an id range, filtered on the field (for a field whose ids are interleaved).
    private let cells: Statement
    /// Cells of an id range holding only the field's cells (the usual, contiguous case).
    private let contiguousCells: Statement

    /// `objectNumbers: false` leaves `object_number` out of the scan (one column fewer per
    /// row; `forEach` then passes 0) — for aggregates that do not need it.
    init(db: Database, columns: [String], objectNumbers: Bool = true) throws {
        self.columns = columns
        range = try db.makeStatement(sql: "SELECT min(id), max(id), count(*) FROM cell WHERE field_id = ?")
        var list = columns.map(Self.quote)
        if objectNumbers || list.isEmpty { list.insert("object_number", at: 0) }
        first = objectNumbers || columns.isEmpty ? 1 : 0
        let selected = list.joined(separator: ", ")
        // `+field_id` keeps the planner on the rowid range instead of the field_id index.
        cells = try db.makeStatement(sql: """
            SELECT \(selected) FROM cell
            WHERE id BETWEEN ?1 AND ?2 AND +field_id = ?3 ORDER BY id
            """)
        contiguousCells = try db.makeStatement(sql: "SELECT \(selected) FROM cell WHERE id BETWEEN ?1 AND ?2 ORDER BY id")
    }

    /// Binds the statement that reads `field`'s cells; nil when it has none. Two index probes.
    private func prepare(field: Int64) throws -> OpaquePointer? {
        let r = range.sqliteStatement
        sqlite3_reset(r)
        sqlite3_bind_int64(r, 1, field)
        let rc = sqlite3_step(r)
        guard rc == SQLITE_ROW else { throw stepError(rc, r) }
        if sqlite3_column_type(r, 0) == SQLITE_NULL { sqlite3_reset(r); return nil }
        let first = sqlite3_column_int64(r, 0), last = sqlite3_column_int64(r, 1), count = sqlite3_column_int64(r, 2)
        sqlite3_reset(r)
        // The range holds exactly the field's cells when its length equals their count.
        let s = (last - first + 1 == count ? contiguousCells : cells).sqliteStatement
        sqlite3_reset(s)
        sqlite3_bind_int64(s, 1, first)
        sqlite3_bind_int64(s, 2, last)
        if last - first + 1 != count { sqlite3_bind_int64(s, 3, field) }
        return s
    }

    static func quote(_ name: String) -> String { name.quotedDatabaseIdentifier }

    /// Calls `body(objectNumber, row)` for each cell of `field` in object order; `row` holds
    /// `columns.count` values (NaN for NULL) and is reused between calls.
    func forEach(field: Int64, row: UnsafeMutableBufferPointer<Double>,
                 _ body: (_ objectNumber: Int, _ row: UnsafeMutableBufferPointer<Double>) throws -> Void) throws {
        guard let s = try prepare(field: field) else { return }
        defer { sqlite3_reset(s) }
        var rc: Int32
        let m = columns.count
        while true {
            rc = sqlite3_step(s)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw stepError(rc, s) }
            let object = first == 1 ? Int(sqlite3_column_int64(s, 0)) : 0
            for c in 0 ..< m {
                let i = Int32(c) + first
                // NULL reads as 0.0: ask for the type only then (one API call per value, not two).
                let v = sqlite3_column_double(s, i)
                row[c] = v == 0 && sqlite3_column_type(s, i) == SQLITE_NULL ? .nan : v
            }
            try body(object, row)
        }
    }

    /// Appends column `0`'s values (NaN for NULL) of every cell of `field` to `out`.
    /// Faster path of `forEach` for one column.
    func appendColumn(field: Int64, to out: inout [Double]) throws {
        precondition(columns.count == 1)
        guard let s = try prepare(field: field) else { return }
        defer { sqlite3_reset(s) }
        var rc: Int32
        while true {
            rc = sqlite3_step(s)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw stepError(rc, s) }
            let v = sqlite3_column_double(s, first)
            out.append(v == 0 && sqlite3_column_type(s, first) == SQLITE_NULL ? .nan : v)
        }
    }

    private func stepError(_ rc: Int32, _ stmt: OpaquePointer?) -> DatabaseError {
        let message = sqlite3_db_handle(stmt).map { String(cString: sqlite3_errmsg($0)) } ?? "step failed"
        return DatabaseError(resultCode: ResultCode(rawValue: rc), message: message)
    }
}
