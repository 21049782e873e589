import GRDB

/// Whether every stored field is complete: its `cell_count` equals its stored cells and masks.
public struct ConsistencyReport: Sendable, Hashable {
    /// Fields with status `done`.
    public var fieldsDone: Int
    /// Sum of `cell_count` over done fields.
    public var countedCells: Int
    /// Rows of `cell`.
    public var storedCells: Int
    /// Rows of `cell_mask`.
    public var storedMasks: Int
    /// Fields whose cell or mask rows disagree with `cell_count` (masks may be absent entirely).
    public var inconsistentFields: [FieldKey]

    public var isConsistent: Bool { inconsistentFields.isEmpty && countedCells == storedCells }
}

extension Store {
    /// Compares every field's `cell_count` with its `cell` and `cell_mask` rows, in one
    /// snapshot. O(cells) (scans the `cell` index and `cell_mask`).
    public func checkConsistency() throws(StoreError) -> ConsistencyReport {
        try read { db in
            var report = ConsistencyReport(fieldsDone: 0, countedCells: 0, storedCells: 0, storedMasks: 0,
                                           inconsistentFields: [])
            var cellsByField: [Int64: Int] = [:]
            var masksByField: [Int64: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT field_id, count(*) FROM cell GROUP BY field_id") {
                cellsByField[row[0]] = row[1]
                report.storedCells += row[1] as Int
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT c.field_id, count(*) FROM cell_mask m JOIN cell c ON c.id = m.cell_id GROUP BY c.field_id
                """) {
                masksByField[row[0]] = row[1]
                report.storedMasks += row[1] as Int
            }
            let fields = try Row.fetchAll(db, sql: """
                SELECT f.id, p.name, w.row, w.col, f.site, f.status, f.cell_count
                FROM field f JOIN well w ON w.id = f.well_id JOIN plate p ON p.id = w.plate_id
                """)
            for row in fields {
                let id: Int64 = row[0]
                let status: String = row[5]
                let count: Int = row[6] ?? 0
                let cells = cellsByField[id] ?? 0, masks = masksByField[id] ?? 0
                if status == "done" {
                    report.fieldsDone += 1
                    report.countedCells += count
                }
                if cells != count || (masks != 0 && masks != cells) {
                    report.inconsistentFields.append(
                        FieldKey(plate: row[1], row: row[2], column: row[3], site: row[4]))
                }
            }
            return report
        }
    }

    /// `PRAGMA integrity_check`: `["ok"]` for a sound database, else SQLite's findings.
    /// O(database size).
    public func integrityCheck() throws(StoreError) -> [String] {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }
}
