import Foundation
import GRDB
import Logging

/// A field present in OUT and in an input with different provenance.
public struct MergeConflict: Sendable, Hashable, CustomStringConvertible {
    public var key: FieldKey
    /// `started_at` of the run that produced the input's copy, and of OUT's copy before the merge.
    public var inputRunStarted: String
    public var storedRunStarted: String
    /// True when the input's copy replaced OUT's; false when OUT's (later) copy was kept.
    public var replaced: Bool

    public var description: String {
        replaced
            ? "\(key): replaced by the input's later run (started \(inputRunStarted); was \(storedRunStarted))"
            : "\(key): kept the stored later run (started \(storedRunStarted); input's started \(inputRunStarted))"
    }
}

/// What merging one input database changed.
public struct MergeReport: Sendable {
    public var input: String
    /// The input had an older schema and was read from a migrated temporary copy.
    public var migrated: Bool
    public var plates = 0, wells = 0, runs = 0
    public var fieldsAdded = 0
    /// Fields the input held with exactly the provenance OUT already had (a repeated merge).
    public var fieldsUnchanged = 0
    /// Same field in OUT and the input from different runs: which one won.
    public var conflicts: [MergeConflict] = []
    public var images = 0, cells = 0, masks = 0, failures = 0
    public var seconds = 0.0

    public var fieldsReplaced: Int { conflicts.filter(\.replaced).count }
    public var cellsPerSecond: Double { seconds > 0 ? Double(cells) / seconds : 0 }
}

/// What a merge copies: everything (`cellar merge`), or what a query over several databases
/// needs (`CellarQuery` merges into a temporary database; see `Screen.open(paths:scope:)`).
public struct MergeScope: Sendable, Hashable {
    /// Only fields (and their cells) of this plate; every plate and well row is still copied.
    public var plate: String?
    /// Copy `cell` rows (false: plate, well, field, image, run and failure rows only).
    public var cells: Bool
    /// Copy `cell_mask` rows (only with `cells`).
    public var masks: Bool

    public init(plate: String? = nil, cells: Bool = true, masks: Bool = true) {
        self.plate = plate
        self.cells = cells
        self.masks = masks && cells
    }

    public static let everything = MergeScope()
}

/// Schema name the input is attached under while it is merged or verified.
private let source = "merge_src"

extension Store {
    /// Merges the database at `input` into this one (opened read-write, so the writer lock is
    /// held), by natural keys: plate name; well (plate, row, col); field (well, site); cell
    /// (field, object_number). Surrogate ids are renumbered; runs are matched by
    /// (started_at, version, parameters_hash, parameters_json) and failures by all their
    /// columns, so merging the same input again changes nothing.
    ///
    /// **Later run wins.** A field present in both is taken from the input when the input's run
    /// started later, or the same run's copy was ingested later (`(run.started_at,
    /// field.ingested_at)` compared as ISO 8601 text); otherwise — also on a full tie — the stored
    /// field stays. Both cases with different runs are listed in ``MergeReport/conflicts``.
    ///
    /// **One transaction.** The input is ATTACHed read-only (immutable on a read-only share)
    /// and copied with `INSERT … SELECT` statements inside one `BEGIN IMMEDIATE` transaction:
    /// a killed merge leaves this database as it was before the input; a rerun redoes it.
    /// Per-channel `cell` columns of the input that this database lacks are added first
    /// (`ALTER TABLE ADD COLUMN … REAL`, as the writer does); columns the input lacks read NULL.
    ///
    /// **Schemas.** An input written by a newer Cellar is refused (`.newerSchema`); an older one
    /// is copied to a temporary file (SQLite backup), migrated there, and merged from the copy.
    ///
    /// Streaming: O(cells + masks) time; memory O(1) in cells (SQLite's page cache), O(fields)
    /// in the temporary mapping table.
    ///
    /// `scope` narrows what is copied (default: everything); a narrowed merge is for
    /// temporary query databases only, not for merging shards.
    public func merge(from input: String, scope: MergeScope = .everything) throws(StoreError) -> MergeReport {
        guard mode == .readWrite else { throw .writerClosed(reason: "\(path) is open read-only; merge needs it read-write") }
        let started = DispatchTime.now()
        try Self.refuseSameFile(input, output: path)
        let prepared = try MergeSource.prepare(input, logger: logger)
        defer { prepared.cleanUp() }
        var report = MergeReport(input: input, migrated: prepared.migrated)
        do {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS \(source)", arguments: [prepared.uri])
                defer { try? db.execute(sql: "DETACH DATABASE \(source)") }
                try db.inTransaction(.immediate) {
                    report = try MergeStatements.run(db: db, report: report, scope: scope)
                    return .commit
                }
            }
        } catch {
            throw mapError(error)
        }
        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        return report
    }

    private static func refuseSameFile(_ input: String, output: String) throws(StoreError) {
        let a = URL(fileURLWithPath: input).resolvingSymlinksInPath().path
        let b = URL(fileURLWithPath: output).resolvingSymlinksInPath().path
        if a == b { throw .sqlite(path: input, code: -1, message: "is the output database itself; list only the shard databases as inputs") }
    }
}

/// The statements of one input's merge transaction (see `Store.merge(from:)`).
enum MergeStatements {
    // merge_field.action
    static let new = 0, replace = 1, unchanged = 2, keep = 3

    static func run(db: Database, report: MergeReport, scope: MergeScope) throws -> MergeReport {
        var report = report
        let s = source
        try addMissingCellColumns(db)

        // Runs: matched by their provenance, else inserted; finished_at filled in if it was not.
        try db.execute(sql: "CREATE TEMP TABLE merge_run(src_id INTEGER PRIMARY KEY, out_id INTEGER NOT NULL, started_at TEXT NOT NULL)")
        defer { try? db.execute(sql: "DROP TABLE IF EXISTS temp.merge_run") }
        let runColumns = try commonColumns("run", db: db).filter { $0 != "id" }
        let runList = runColumns.map(quoteIdentifier).joined(separator: ", ")
        let runs = try Row.fetchAll(db, sql: "SELECT id, started_at, version, parameters_hash, parameters_json, finished_at FROM \(s).run ORDER BY id")
        for run in runs {
            let srcID: Int64 = run[0]
            var outID = try Int64.fetchOne(db, sql: """
                SELECT id FROM main.run WHERE started_at = ? AND version = ? AND parameters_hash = ? AND parameters_json = ?
                ORDER BY id LIMIT 1
                """, arguments: [run[1], run[2], run[3], run[4]])
            if let existing = outID {
                if (run[5] as String?) != nil {
                    try db.execute(sql: "UPDATE main.run SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
                                   arguments: [run[5], existing])
                }
            } else {
                try db.execute(sql: "INSERT INTO main.run(\(runList)) SELECT \(runList) FROM \(s).run WHERE id = ?",
                               arguments: [srcID])
                outID = db.lastInsertedRowID
                report.runs += 1
            }
            try db.execute(sql: "INSERT INTO temp.merge_run VALUES (?, ?, ?)", arguments: [srcID, outID, run[1]])
        }

        // Plates and wells by name and position. Every table is copied by the columns both
        // databases have (a newer OUT has more; they take their defaults).
        let plateList = try commonColumns("plate", db: db).filter { $0 != "id" }.map(quoteIdentifier).joined(separator: ", ")
        let wellColumns = try commonColumns("well", db: db).filter { $0 != "id" && $0 != "plate_id" }
        let platesBefore = try Int.fetchOne(db, sql: "SELECT count(*) FROM main.plate") ?? 0
        let wellsBefore = try Int.fetchOne(db, sql: "SELECT count(*) FROM main.well") ?? 0
        try db.execute(sql: """
            INSERT INTO main.plate(\(plateList)) SELECT \(plateList) FROM \(s).plate WHERE true
            ON CONFLICT(name) DO UPDATE SET created_at = min(created_at, excluded.created_at),
                layout = coalesce(layout, excluded.layout), root = coalesce(root, excluded.root)
            """)
        try db.execute(sql: """
            INSERT INTO main.well(plate_id, \(wellColumns.map(quoteIdentifier).joined(separator: ", ")))
            SELECT mp.id, \(wellColumns.map { "w." + quoteIdentifier($0) }.joined(separator: ", ")) FROM \(s).well w
            JOIN \(s).plate sp ON sp.id = w.plate_id JOIN main.plate mp ON mp.name = sp.name
            WHERE true ON CONFLICT(plate_id, row, col) DO NOTHING
            """)
        report.plates = (try Int.fetchOne(db, sql: "SELECT count(*) FROM main.plate") ?? 0) - platesBefore
        report.wells = (try Int.fetchOne(db, sql: "SELECT count(*) FROM main.well") ?? 0) - wellsBefore

        // Fields: decide new / replace / unchanged / keep (later run wins; see Store.merge).
        try db.execute(sql: """
            CREATE TEMP TABLE merge_field(src_id INTEGER PRIMARY KEY, out_well INTEGER NOT NULL, site INTEGER NOT NULL,
                out_id INTEGER, action INTEGER NOT NULL, out_run INTEGER NOT NULL, plate TEXT, row INTEGER, col INTEGER,
                src_started TEXT, out_started TEXT)
            """)
        defer { try? db.execute(sql: "DROP TABLE IF EXISTS temp.merge_field") }
        try db.execute(sql: """
            INSERT INTO temp.merge_field
            SELECT sf.id, mw.id, sf.site, f.id,
                   CASE WHEN f.id IS NULL THEN \(new)
                        WHEN mr.out_id = f.run_id AND sf.ingested_at = f.ingested_at THEN \(unchanged)
                        WHEN (mr.started_at, sf.ingested_at) > (r.started_at, f.ingested_at) THEN \(replace)
                        ELSE \(keep) END,
                   mr.out_id, sp.name, sw.row, sw.col, mr.started_at, r.started_at
            FROM \(s).field sf
            JOIN \(s).well sw ON sw.id = sf.well_id
            JOIN \(s).plate sp ON sp.id = sw.plate_id
            JOIN main.plate mp ON mp.name = sp.name
            JOIN main.well mw ON mw.plate_id = mp.id AND mw.row = sw.row AND mw.col = sw.col
            JOIN temp.merge_run mr ON mr.src_id = sf.run_id
            LEFT JOIN main.field f ON f.well_id = mw.id AND f.site = sf.site
            LEFT JOIN main.run r ON r.id = f.run_id
            WHERE ?1 IS NULL OR sp.name = ?1
            """, arguments: [scope.plate])
        for row in try Row.fetchAll(db, sql: """
            SELECT plate, row, col, site, src_started, out_started, action FROM temp.merge_field
            WHERE action IN (\(replace), \(keep)) ORDER BY plate, row, col, site
            """) {
            report.conflicts.append(MergeConflict(
                key: FieldKey(plate: row[0], row: row[1], column: row[2], site: row[3]),
                inputRunStarted: row[4], storedRunStarted: row[5], replaced: (row[6] as Int) == replace))
        }
        report.fieldsAdded = try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.merge_field WHERE action = \(new)") ?? 0
        report.fieldsUnchanged = try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.merge_field WHERE action = \(unchanged)") ?? 0
        let skipped = try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.merge_field WHERE action >= \(unchanged)") ?? 0

        let fieldColumns = try commonColumns("field", db: db).filter { !["id", "well_id", "run_id"].contains($0) }
        // Replaced fields lose their rows (as the writer's clearField), then take the input's values.
        let replaced = "SELECT out_id FROM temp.merge_field WHERE action = \(replace)"
        try db.execute(sql: "DELETE FROM main.cell_mask WHERE cell_id IN (SELECT id FROM main.cell WHERE field_id IN (\(replaced)))")
        try db.execute(sql: "DELETE FROM main.cell WHERE field_id IN (\(replaced))")
        try db.execute(sql: "DELETE FROM main.image WHERE field_id IN (\(replaced))")
        try db.execute(sql: """
            UPDATE main.field SET run_id = x.out_run, \(fieldColumns.filter { $0 != "site" }.map { "\(quoteIdentifier($0)) = x.\(quoteIdentifier($0))" }.joined(separator: ", "))
            FROM (SELECT mf.out_id, mf.out_run, \(fieldColumns.map { "sf." + quoteIdentifier($0) }.joined(separator: ", "))
                  FROM temp.merge_field mf JOIN \(s).field sf ON sf.id = mf.src_id WHERE mf.action = \(replace)) AS x
            WHERE main.field.id = x.out_id
            """)
        // When every field of the input is new (the usual shard merge), new field ids are the
        // input's shifted by one offset, so cells map their field_id arithmetically (no lookup).
        let inputFields = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(s).field") ?? 0
        let allNew = scope.plate == nil && report.fieldsAdded == inputFields
        let fieldOffset = allNew
            ? (try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM main.field") ?? 0) + 1
                - (try Int64.fetchOne(db, sql: "SELECT coalesce(min(id), 1) FROM \(s).field") ?? 1)
            : 0
        try db.execute(sql: """
            INSERT INTO main.field(id, well_id, run_id, \(fieldColumns.map(quoteIdentifier).joined(separator: ", ")))
            SELECT CASE WHEN ?1 THEN sf.id + ?2 END, mf.out_well, mf.out_run, \(fieldColumns.map { "sf." + quoteIdentifier($0) }.joined(separator: ", "))
            FROM temp.merge_field mf JOIN \(s).field sf ON sf.id = mf.src_id
            WHERE mf.action = \(new) ORDER BY mf.src_id
            """, arguments: [allNew, fieldOffset])
        try db.execute(sql: """
            UPDATE temp.merge_field SET out_id = (SELECT f.id FROM main.field f WHERE f.well_id = out_well AND f.site = merge_field.site)
            WHERE action = \(new)
            """)
        let taken = "mf.action IN (\(new), \(replace))"

        // Images (same upsert by path as the writer).
        let imageColumns = try commonColumns("image", db: db).filter { $0 != "id" && $0 != "field_id" }
        let imageList = imageColumns.map(quoteIdentifier).joined(separator: ", ")
        try db.execute(sql: """
            INSERT INTO main.image(field_id, \(imageList))
            SELECT mf.out_id, \(imageColumns.map { "i." + quoteIdentifier($0) }.joined(separator: ", "))
            FROM \(s).image i JOIN temp.merge_field mf ON mf.src_id = i.field_id WHERE \(taken)
            ON CONFLICT(path) DO UPDATE SET field_id = excluded.field_id,
                \(imageColumns.filter { $0 != "path" }.map { "\(quoteIdentifier($0)) = excluded.\(quoteIdentifier($0))" }.joined(separator: ", "))
            """)
        report.images = db.changesCount

        // Cells: ids shifted past OUT's largest, in the input's rowid order (OUT's b-tree is
        // only appended to); CROSS JOIN makes SQLite scan `cell` in order and look each field up.
        guard scope.cells else { return try copyFailures(db: db, report: report) }
        let maxOut = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM main.cell") ?? 0
        let minIn = try Int64.fetchOne(db, sql: "SELECT coalesce(min(id), 1) FROM \(s).cell") ?? 1
        let offset = maxOut + 1 - minIn
        let outColumns = try Schema.featureColumns(db)
        let inColumns = Set(try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('cell', '\(s)')"))
        let select = outColumns.map { inColumns.contains($0) ? "c." + quoteIdentifier($0) : "NULL" }.joined(separator: ", ")
        let cellList = outColumns.map(quoteIdentifier).joined(separator: ", ")
        if allNew {
            try db.execute(sql: """
                INSERT INTO main.cell(id, field_id, object_number, \(cellList))
                SELECT c.id + ?, c.field_id + ?, c.object_number, \(select) FROM \(s).cell c
                """, arguments: [offset, fieldOffset])
        } else {
            try db.execute(sql: """
                INSERT INTO main.cell(id, field_id, object_number, \(cellList))
                SELECT c.id + ?, mf.out_id, c.object_number, \(select)
                FROM \(s).cell c CROSS JOIN temp.merge_field mf ON mf.src_id = c.field_id
                WHERE \(taken)
                """, arguments: [offset])
        }
        report.cells = db.changesCount
        if !scope.masks {
            // Query databases without masks.
        } else if skipped == 0 && scope.plate == nil {
            // Every field of the input is taken: every mask is (no join needed).
            try db.execute(sql: """
                INSERT INTO main.cell_mask(cell_id, x, y, width, height, rle)
                SELECT cell_id + ?, x, y, width, height, rle FROM \(s).cell_mask
                """, arguments: [offset])
        } else {
            try db.execute(sql: """
                INSERT INTO main.cell_mask(cell_id, x, y, width, height, rle)
                SELECT m.cell_id + ?, m.x, m.y, m.width, m.height, m.rle
                FROM \(s).cell_mask m CROSS JOIN \(s).cell c ON c.id = m.cell_id
                CROSS JOIN temp.merge_field mf ON mf.src_id = c.field_id
                WHERE \(taken)
                """, arguments: [offset])
        }
        report.masks = scope.masks ? db.changesCount : 0
        return try copyFailures(db: db, report: report)
    }

    /// Failures: a log; a row already present (same path, reason, time, run) is not repeated.
    private static func copyFailures(db: Database, report: MergeReport) throws -> MergeReport {
        let s = source
        let columns = try commonColumns("failure", db: db).filter { $0 != "id" && $0 != "run_id" }
        try db.execute(sql: """
            INSERT INTO main.failure(run_id, \(columns.map(quoteIdentifier).joined(separator: ", ")))
            SELECT mr.out_id, \(columns.map { "f." + quoteIdentifier($0) }.joined(separator: ", ")) FROM \(s).failure f JOIN temp.merge_run mr ON mr.src_id = f.run_id
            WHERE NOT EXISTS (SELECT 1 FROM main.failure o
                              WHERE o.path = f.path AND o.reason = f.reason AND o.at = f.at AND o.run_id = mr.out_id)
            ORDER BY f.id
            """)
        var report = report
        report.failures = db.changesCount
        return report
    }

    /// Adds the input's `cell` columns this database lacks (per-channel features), as REAL.
    private static func addMissingCellColumns(_ db: Database) throws {
        let existing = Set(try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('cell', 'main')"))
        let incoming = try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('cell', '\(source)') ORDER BY cid")
        for name in incoming where !existing.contains(name) {
            try db.execute(sql: "ALTER TABLE main.cell ADD COLUMN \(quoteIdentifier(name)) REAL")
        }
    }

    /// Columns of `table` in both databases, in OUT's order.
    private static func commonColumns(_ table: String, db: Database) throws -> [String] {
        let incoming = Set(try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('\(table)', '\(source)')"))
        return try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('\(table)', 'main') ORDER BY cid")
            .filter { incoming.contains($0) }
    }
}
