import CellarBench
import CellarStore
import Foundation
import GRDB
import Testing

/// `Store.merge(from:)`: natural keys, later run wins, idempotence, column union, schemas.
@Suite struct MergeTests {
    static let runA = RunInfo(version: "test", parametersJSON: #"{"sigma":2}"#, parametersHash: "hA")
    static let runB = RunInfo(version: "test", parametersJSON: #"{"sigma":3}"#, parametersHash: "hB")

    /// Writes one synthetic field per key (seed from the key, `seedOffset` to vary values).
    func write(_ path: String, _ keys: [FieldKey], run: RunInfo = runA, cells: Int = 30, seedOffset: UInt64 = 0,
               channels: [String] = []) async throws {
        let store = try Store.create(at: path)
        var columns = try store.featureColumns()
        for channel in channels {
            columns += columns.filter { $0.hasSuffix("_DNA") }.map { String($0.dropLast(3)) + channel }
        }
        let writer = try store.makeWriter(run: run)
        for key in keys {
            let seed = UInt64(key.row * 1000 + key.column * 10 + key.site) + seedOffset
            var field = SyntheticField.make(key: key, cells: cells, columns: columns, seed: seed)
            field.images = [ImageRecord(channel: "DNA", path: "/data/\(key.plate)_\(key.wellName)_s\(key.site)_w1.tif",
                                        bytes: 100, mtime: 1, fingerprint: "fp\(seed)")]
            try await writer.submit(field)
        }
        try await writer.submit(failure: FailureRecord(path: "/data/bad-\(keys.first?.wellName ?? "")", reason: "unreadable"))
        _ = try await writer.finish()
        try store.close()
    }

    func keys(_ wells: [(Int, Int)], sites: Int = 2, plate: String = "P1") -> [FieldKey] {
        wells.flatMap { w in (1 ... sites).map { FieldKey(plate: plate, row: w.0, column: w.1, site: $0) } }
    }

    /// Everything but surrogate ids, per field in key order.
    func content(_ path: String) throws -> [String] {
        let store = try Store.open(at: path, mode: .readOnly)
        defer { try? store.close() }
        var out: [String] = []
        for f in try store.fieldCounts() {
            let cells = try #require(try store.cells(of: f.key))
            let values = cells.values.map { $0.isNaN ? "NULL" : "\($0)" }.joined(separator: ",")
            let masks = cells.masks.map { "\($0.x),\($0.y),\($0.width),\($0.height),\(Array($0.rle))" }.joined(separator: ";")
            out.append("\(f.key) \(f.status) \(f.cellCount ?? -1) \(cells.columns) \(values) \(masks) \(try store.images(of: f.key))")
        }
        return out
    }

    func tableCounts(_ path: String) throws -> [Int] {
        let store = try Store.open(at: path, mode: .readOnly)
        defer { try? store.close() }
        return try store.reader.read { db in
            try ["plate", "well", "field", "image", "cell", "cell_mask", "run", "failure"].map {
                try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)") ?? -1
            }
        }
    }

    @Test func shardsMergeToTheSingleDatabaseAndTwiceChangesNothing() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let a = keys([(1, 1), (1, 2), (2, 5)]), b = keys([(3, 3), (1, 4)])
        try await write(tmp.file("a.db"), a)
        try await write(tmp.file("b.db"), b)
        try await write(tmp.file("single.db"), a + b)

        let out = try Store.create(at: tmp.file("out.db"))
        let ra = try out.merge(from: tmp.file("a.db"))
        let rb = try out.merge(from: tmp.file("b.db"))
        #expect(ra.fieldsAdded == 6 && rb.fieldsAdded == 4 && ra.cells == 180 && rb.masks == 120)
        #expect(ra.conflicts.isEmpty && rb.conflicts.isEmpty && ra.runs == 1 && ra.failures == 1)
        let verification = try out.verifyMerge(inputs: [tmp.file("a.db"), tmp.file("b.db")])
        #expect(verification.isOK && verification.fieldsMatched == 10 && verification.cells == 300)
        try out.close()
        #expect(try content(tmp.file("out.db")) == content(tmp.file("single.db")))

        let before = try tableCounts(tmp.file("out.db"))
        let out2 = try Store.open(at: tmp.file("out.db"), mode: .readWrite)
        let again = try out2.merge(from: tmp.file("a.db"))
        try out2.close()
        #expect(again.fieldsAdded == 0 && again.fieldsUnchanged == 6 && again.cells == 0 && again.runs == 0 && again.failures == 0)
        #expect(try tableCounts(tmp.file("out.db")) == before)
        #expect(before == [1, 5, 10, 10, 300, 300, 2, 2])
    }

    @Test func theLaterRunWinsInEitherOrder() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let shared = FieldKey(plate: "P1", row: 2, column: 2, site: 1)
        try await write(tmp.file("old.db"), [shared, FieldKey(plate: "P1", row: 2, column: 3, site: 1)], run: Self.runA)
        try await Task.sleep(for: .milliseconds(20))  // run start times differ
        try await write(tmp.file("new.db"), [shared], run: Self.runB, cells: 12, seedOffset: 99)
        let expected = try Store.open(at: tmp.file("new.db"), mode: .readOnly).cells(of: shared)

        for order in [["old.db", "new.db"], ["new.db", "old.db"]] {
            let path = tmp.file("out-\(order[0])")
            let out = try Store.create(at: path)
            let first = try out.merge(from: tmp.file(order[0]))
            let second = try out.merge(from: tmp.file(order[1]))
            #expect(first.conflicts.isEmpty)
            #expect(second.conflicts.map(\.key) == [shared])
            #expect(second.conflicts.first?.replaced == (order[1] == "new.db"))
            let got = try #require(try out.cells(of: shared))
            #expect(got.objectNumbers == Array(1 ... 12) && got.masks == expected?.masks)
            #expect(got.values.elementsEqual(expected?.values ?? []) { $0 == $1 || ($0.isNaN && $1.isNaN) })
            #expect(try out.fieldCounts().map(\.cellCount) == [12, 30])
            let v = try out.verifyMerge(inputs: order.map(tmp.file))
            #expect(v.isOK && v.fieldsMatched == 2 && v.fieldsSuperseded == 1)
            #expect(try out.checkConsistency().isConsistent)
            try out.close()
        }
    }

    @Test func perChannelColumnsAreUnited() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        try await write(tmp.file("gfp.db"), keys([(1, 1)], sites: 1), channels: ["GFP"])
        try await write(tmp.file("dna.db"), keys([(1, 2)], sites: 1))
        let out = try Store.create(at: tmp.file("out.db"))
        _ = try out.merge(from: tmp.file("dna.db"))
        _ = try out.merge(from: tmp.file("gfp.db"))
        let columns = try out.featureColumns()
        #expect(columns.contains("Nuclei_Intensity_MeanIntensity_GFP"))
        let nulls = try await out.reader.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM cell c JOIN field f ON f.id = c.field_id JOIN well w ON w.id = f.well_id
                WHERE w.col = 2 AND c.Nuclei_Intensity_MeanIntensity_GFP IS NULL
                """)
        }
        #expect(nulls == 30)
        let gfp = try Store.open(at: tmp.file("gfp.db"), mode: .readOnly).cells(of: FieldKey(plate: "P1", row: 1, column: 1, site: 1))
        let merged = try out.cells(of: FieldKey(plate: "P1", row: 1, column: 1, site: 1))
        let index = try #require(gfp?.columns.firstIndex(of: "Nuclei_Intensity_MeanIntensity_GFP"))
        let outIndex = try #require(merged?.columns.firstIndex(of: "Nuclei_Intensity_MeanIntensity_GFP"))
        let m = gfp!.columns.count, n = merged!.columns.count
        #expect((0 ..< 30).allSatisfy { gfp!.values[$0 * m + index] == merged!.values[$0 * n + outIndex] })
        try out.close()
    }

    @Test func newerInputsAreRefusedOlderOnesMigratedReadOnlyUntouched() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        try await write(tmp.file("newer.db"), keys([(1, 1)], sites: 1))
        let q = try DatabaseQueue(path: tmp.file("newer.db"))
        try await q.write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('9999_future')") }
        try q.close()
        let out = try Store.create(at: tmp.file("out.db"))
        #expect(throws: StoreError.newerSchema(path: tmp.file("newer.db"), unknownMigrations: ["9999_future"])) {
            try out.merge(from: tmp.file("newer.db"))
        }

        // An input with only the first migration (as an older Cellar wrote it).
        let old = try DatabaseQueue(path: tmp.file("old.db"))
        try await old.write { db in
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            try db.execute(sql: Schema.migrations[0].sql)
            try db.execute(sql: "INSERT INTO grdb_migrations VALUES (?)", arguments: [Schema.migrations[0].name])
            try db.execute(sql: """
                INSERT INTO plate(id, name, created_at) VALUES (7, 'OLD', '2025-01-01T00:00:00.000Z');
                INSERT INTO well(id, plate_id, row, col, name) VALUES (3, 7, 1, 1, 'A01');
                INSERT INTO run(id, started_at, version, parameters_json, parameters_hash) VALUES (5, '2025-01-01T00:00:00.000Z', '0.0.9', '{}', 'h0');
                INSERT INTO field(id, well_id, site, status, cell_count, run_id, ingested_at) VALUES (9, 3, 1, 'done', 2, 5, '2025-01-01T00:00:01.000Z');
                INSERT INTO cell(id, field_id, object_number, Nuclei_AreaShape_Area) VALUES (40, 9, 1, 100), (41, 9, 2, 120);
                INSERT INTO cell_mask VALUES (40, 1, 2, 3, 4, x'0102'), (41, 5, 6, 7, 8, x'0304');
                """)
        }
        try old.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: tmp.file("old.db")))
        let report = try out.merge(from: tmp.file("old.db"))
        #expect(report.migrated && report.fieldsAdded == 1 && report.cells == 2 && report.masks == 2)
        let cells = try #require(try out.cells(of: FieldKey(plate: "OLD", row: 1, column: 1, site: 1)))
        let area = try #require(cells.columns.firstIndex(of: "Nuclei_AreaShape_Area"))
        #expect(cells.objectNumbers == [1, 2] && cells.values[area] == 100 && cells.values[cells.columns.count + area] == 120)
        #expect(cells.masks.map { Array($0.rle) } == [[1, 2], [3, 4]])
        #expect(try Data(contentsOf: URL(fileURLWithPath: tmp.file("old.db"))) == bytes)  // the input is only read
        #expect(throws: StoreError.self) { try out.merge(from: tmp.file("out.db")) }  // not into itself
        try out.close()
    }
}
