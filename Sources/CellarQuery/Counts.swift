import CellarStore
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
    /// Cells per well, ordered by plate, row, column: the store's `wellCounts`, which sums
    /// `field.cell_count` in SQL — O(fields), never scans `cell` (the 10 M-cell benchmark measures this).
    public static func perWell(_ screen: Screen, _ filter: FieldFilter = FieldFilter()) throws(QueryError) -> [WellCounts] {
        if let plate = filter.plate { try screen.read { db in try Screen.checkPlate(plate, db: db) } }
        let stored: [WellCount]
        do { stored = try screen.store.wellCounts(plate: filter.plate) } catch { throw .store(error) }
        var out = stored.map { w in
            WellCounts(plate: w.plate, position: WellPosition(row: w.row, column: w.column), well: w.name,
                       fields: w.fieldsDone, failedFields: w.fieldsFailed, cells: w.cells)
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

    /// Stored fields (done and failed), in key order. O(fields).
    public static func perField(_ screen: Screen, _ filter: FieldFilter = FieldFilter()) throws(QueryError) -> [FieldRef] {
        try screen.fields(filter)
    }
}
