import Foundation
import GRDB
import GRDBSQLite

/// The masks of one field's cells, object numbers aligned with `masks`.
public struct FieldMasks: Sendable {
    public var key: FieldKey
    public var objectNumbers: [Int]
    public var masks: StoredMasks

    public init(key: FieldKey, objectNumbers: [Int], masks: StoredMasks) {
        self.key = key
        self.objectNumbers = objectNumbers
        self.masks = masks
    }
}

/// Reads the web viewer (`cellar serve`) needs beside the query layer's: each one indexed,
/// none scans `cell` beyond one field.
extension Store {
    /// Whether a plate of this name is stored. One index probe.
    public func hasPlate(_ name: String) throws(StoreError) -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM plate WHERE name = ?)", arguments: [name]) ?? false
        }
    }

    /// A value that changes whenever a field, a failure or (with `progress`) a writer's progress
    /// report is committed: fields stored, the highest field id, the last ingest time, failures,
    /// the last heartbeat. Cheap to poll: O(fields) on the small `field` table, never `cell`.
    public func changeToken(progress: Bool = true) throws(StoreError) -> String {
        try read { db in
            try String.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM field) || '.' || coalesce((SELECT max(id) FROM field), 0)
                       || '.' || coalesce((SELECT max(ingested_at) FROM field), '-')
                       || '.' || coalesce((SELECT max(id) FROM failure), 0)
                       || '.' || CASE WHEN ? THEN coalesce((SELECT max(heartbeat_at) FROM run), '-') ELSE '' END
                """, arguments: [progress]) ?? ""
        }
    }

    /// Stored fields of one well, by site. O(fields of the well) with the unique index.
    public func fields(plate: String, row: Int, column: Int) throws(StoreError) -> [FieldCount] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.name, w.row, w.col, f.site, f.status, f.cell_count, f.run_id, f.ingested_at
                FROM plate p
                JOIN well w ON w.plate_id = p.id AND w.row = ? AND w.col = ?
                JOIN field f ON f.well_id = w.id
                WHERE p.name = ?
                ORDER BY f.site
                """, arguments: [row, column, plate]).map { row in
                FieldCount(key: FieldKey(plate: row[0], row: row[1], column: row[2], site: row[3]),
                           status: row[4], cellCount: row[5], runID: row[6], ingestedAt: row[7])
            }
        }
    }

    /// The status of one field (`done` / `failed`), nil if not stored.
    public func fieldStatus(_ key: FieldKey) throws(StoreError) -> FieldCount? {
        try fields(plate: key.plate, row: key.row, column: key.column).first { $0.key.site == key.site }
    }

    /// The masks of one field's cells (no features), nil if the field is not stored.
    /// O(cells of the field).
    public func masks(of key: FieldKey) throws(StoreError) -> FieldMasks? {
        try read { db in
            guard let fieldID = try Store.fieldID(key, db: db) else { return nil }
            var objects: [Int] = []
            var masks = StoredMasks()
            let rows = try Row.fetchCursor(db, sql: """
                SELECT c.object_number, m.x, m.y, m.width, m.height, m.rle
                FROM cell c JOIN cell_mask m ON m.cell_id = c.id
                WHERE c.field_id = ? ORDER BY c.object_number
                """, arguments: [fieldID])
            while let row = try rows.next() {
                objects.append(row[0])
                try row.withUnsafeData(atIndex: 5) { data in
                    masks.append(x: row[1], y: row[2], width: row[3], height: row[4], rle: data ?? Data())
                }
            }
            return FieldMasks(key: key, objectNumbers: objects, masks: masks)
        }
    }

    /// Every feature of one cell (`columns` in table order, NULL → NaN), nil if the field or
    /// the object is not stored. One index probe.
    public func cell(of key: FieldKey, objectNumber: Int) throws(StoreError) -> (columns: [String], values: [Double])? {
        try read { db in
            guard let fieldID = try Store.fieldID(key, db: db) else { return nil }
            let columns = try Schema.featureColumns(db)
            let list = columns.map(quoteIdentifier).joined(separator: ", ")
            guard let row = try Row.fetchOne(db, sql: "SELECT \(list) FROM cell WHERE field_id = ? AND object_number = ?",
                                             arguments: [fieldID, objectNumber]) else { return nil }
            let values: [Double] = (0 ..< columns.count).map { i in (row[i] as Double?) ?? .nan }
            return (columns, values)
        }
    }
}
