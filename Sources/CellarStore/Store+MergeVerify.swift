import Foundation
import GRDB

/// The outcome of `Store.verifyMerge(inputs:)`.
public struct MergeVerification: Sendable {
    /// Fields of the inputs compared (a field in two inputs counts twice).
    public var fieldsChecked = 0
    /// Fields whose copy in OUT is the input's and whose counts agree.
    public var fieldsMatched = 0
    /// Fields of an input that OUT holds from a later run (of another input).
    public var fieldsSuperseded = 0
    /// Cells and masks of the matched fields.
    public var cells = 0, masks = 0
    /// What disagrees, one line each (empty when the merge is complete).
    public var mismatches: [String] = []

    public var isOK: Bool { mismatches.isEmpty }
}

/// Per-field counts of one database (OUT or an input).
private struct FieldTally: Equatable {
    var status: String
    var cellCount: Int?
    var runStarted: String
    var ingestedAt: String
    var cells: Int
    var masks: Int
}

extension Store {
    /// Compares counts per field between this (merged) database and each input: every input
    /// field is in OUT, and where OUT holds the input's copy (same run start and ingest time),
    /// status, `cell_count`, stored cells and stored masks agree; an input copy newer than
    /// OUT's is a mismatch (the merge lost it); an older one is counted as superseded. Also
    /// checks OUT's own fields (`checkConsistency`). O(fields + cells) per database, via the
    /// `(field_id, object_number)` index; memory O(fields).
    public func verifyMerge(inputs: [String]) throws(StoreError) -> MergeVerification {
        var result = MergeVerification()
        let out: [FieldKey: FieldTally]
        do { out = try pool.read { db in try Self.tallies(schema: "main", db: db) } } catch { throw mapError(error) }
        for input in inputs {
            let tallies: [FieldKey: FieldTally]
            do {
                tallies = try pool.writeWithoutTransaction { db in
                    try db.execute(sql: "ATTACH DATABASE ? AS verify_src", arguments: [MergeSource.readOnlyURI(input)])
                    defer { try? db.execute(sql: "DETACH DATABASE verify_src") }
                    // One statement: one snapshot of the attached input.
                    return try Self.tallies(schema: "verify_src", db: db)
                }
            } catch {
                throw Store.mapOpenError(error, path: input, mode: .readOnly)
            }
            for (key, t) in tallies.sorted(by: { $0.key < $1.key }) {
                result.fieldsChecked += 1
                guard let o = out[key] else {
                    result.mismatches.append("\(key) of \(input) is missing from \(path)")
                    continue
                }
                if (o.runStarted, o.ingestedAt) == (t.runStarted, t.ingestedAt) {
                    if o == t {
                        result.fieldsMatched += 1
                        result.cells += t.cells
                        result.masks += t.masks
                    } else {
                        result.mismatches.append("\(key): \(input) has \(t.status), cell_count \(t.cellCount.map(String.init) ?? "NULL"), \(t.cells) cells, \(t.masks) masks; \(path) has \(o.status), cell_count \(o.cellCount.map(String.init) ?? "NULL"), \(o.cells) cells, \(o.masks) masks")
                    }
                } else if (t.runStarted, t.ingestedAt) > (o.runStarted, o.ingestedAt) {
                    result.mismatches.append("\(key): \(input) has a later copy (run started \(t.runStarted)) than \(path) (run started \(o.runStarted))")
                } else {
                    result.fieldsSuperseded += 1
                }
            }
        }
        let consistency = try checkConsistency()
        for key in consistency.inconsistentFields.prefix(20) {
            result.mismatches.append("\(key): cell_count disagrees with the stored cells or masks in \(path)")
        }
        return result
    }

    /// Every field of the database attached as `schema`, with its counts.
    private static func tallies(schema s: String, db: Database) throws -> [FieldKey: FieldTally] {
        var out: [FieldKey: FieldTally] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT p.name, w.row, w.col, f.site, f.status, f.cell_count, r.started_at, f.ingested_at,
                   (SELECT count(*) FROM \(s).cell c WHERE c.field_id = f.id),
                   (SELECT count(*) FROM \(s).cell c JOIN \(s).cell_mask m ON m.cell_id = c.id WHERE c.field_id = f.id)
            FROM \(s).field f JOIN \(s).well w ON w.id = f.well_id JOIN \(s).plate p ON p.id = w.plate_id
            JOIN \(s).run r ON r.id = f.run_id
            """)
        while let row = try rows.next() {
            out[FieldKey(plate: row[0], row: row[1], column: row[2], site: row[3])] =
                FieldTally(status: row[4], cellCount: row[5], runStarted: row[6], ingestedAt: row[7], cells: row[8], masks: row[9])
        }
        return out
    }
}
