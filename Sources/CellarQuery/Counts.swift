import GRDB

/// Cells of one well, from `field.cell_count` (the `cell` table is not scanned).
public struct WellCounts: Sendable, Hashable {
    public var plate: String
    public var position: WellPosition
    /// `B03`
    public var well: String
    /// Fields stored as done.
    public var fields: Int
    /// Fields that failed.
    public var failedFields: Int
    public var cells: Int

    /// Mean cells per done field, nil without done fields.
    public var meanCellsPerField: Double? { fields > 0 ? Double(cells) / Double(fields) : nil }
}

/// `cellar counts`: cells per well or per field.
public enum Counts {
    /// Cells per well, ordered by plate, row, column. Sums `field.cell_count` in SQL:
    /// O(fields), never scans `cell` (the 10 M-cell benchmark measures this).
    public static func perWell(_ screen: Screen, _ filter: FieldFilter = FieldFilter()) throws(QueryError) -> [WellCounts] {
        try screen.read { db in
            if let plate = filter.plate { try Screen.checkPlate(plate, db: db) }
            let rows = try Row.fetchAll(db, sql: """
                SELECT p.name, w.row, w.col, w.name,
                       count(CASE WHEN f.status = 'done' THEN 1 END),
                       count(CASE WHEN f.status = 'failed' THEN 1 END),
                       coalesce(sum(f.cell_count), 0)
                FROM well w
                JOIN plate p ON p.id = w.plate_id
                LEFT JOIN field f ON f.well_id = w.id
                WHERE ?1 IS NULL OR p.name = ?1
                GROUP BY w.id ORDER BY p.name, w.row, w.col
                """, arguments: [filter.plate])
            var out = rows.map { row in
                WellCounts(plate: row[0], position: WellPosition(row: row[1], column: row[2]), well: row[3],
                           fields: row[4], failedFields: row[5], cells: row[6])
            }
            if !filter.wells.isEmpty {
                var wanted: [WellPosition] = []
                for name in filter.wells {
                    guard let p = WellPosition(parsing: name) else {
                        throw QueryError.unknownWell(plate: filter.plate, well: name, known: [])
                    }
                    wanted.append(p)
                }
                let present = Set(out.map(\.position))
                if let missing = wanted.first(where: { !present.contains($0) }) {
                    throw QueryError.unknownWell(plate: filter.plate, well: missing.name,
                                                 known: Array(Set(out.map(\.well))).sorted())
                }
                let set = Set(wanted)
                out = out.filter { set.contains($0.position) }
            }
            return out
        }
    }

    /// Stored fields (done and failed), in key order. O(fields).
    public static func perField(_ screen: Screen, _ filter: FieldFilter = FieldFilter()) throws(QueryError) -> [FieldRef] {
        try screen.fields(filter)
    }
}
