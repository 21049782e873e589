import CellarBench
import CellarStore
import Foundation
import GRDB
import Testing

@Suite struct WriterTests {
    @Test func fieldRoundTripsWithNullsAndMasks() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let store = try Store.create(at: tmp.file("s.db"))
        let columns = try store.featureColumns()
        let key = FieldKey(plate: "P1", row: 2, column: 3, site: 1)
        var field = SyntheticField.make(key: key, cells: 60, columns: columns, seed: 7)
        let extent = try #require(columns.firstIndex(of: "Nuclei_AreaShape_Extent"))
        field.values[extent] = .nan  // cell 1
        let writer = try store.makeWriter(run: testRun)
        try await writer.submit(field)
        let summary = try await writer.finish()
        #expect(summary.fields == 1 && summary.cells == 60 && summary.runID != nil)

        let back = try #require(try store.cells(of: key))
        #expect(back.columns == columns)
        #expect(back.objectNumbers == Array(1 ... 60))
        #expect(back.values.count == field.values.count)
        for (a, b) in zip(back.values, field.values) {
            #expect(a == b || (a.isNaN && b.isNaN))
        }
        #expect(back.masks == field.masks)
        // NaN is stored as NULL, never as text.
        let nulls = try await store.reader.read { db in
            try Row.fetchOne(db, sql: """
                SELECT count(*) FILTER (WHERE Nuclei_AreaShape_Extent IS NULL),
                       count(*) FILTER (WHERE Nuclei_Location_CenterMassIntensity_X_DNA IS NULL),
                       count(*) FILTER (WHERE typeof(Nuclei_AreaShape_Area) <> 'real')
                FROM cell
                """).map { [$0[0] as Int, $0[1] as Int, $0[2] as Int] }
        }
        #expect(nulls == [1, 2, 0])  // cell 1's Extent; the synthetic NaN of cells 1 and 51
        #expect(try store.images(of: key).map(\.channel) == ["DNA"])
        #expect(try store.cells(of: FieldKey(plate: "P1", row: 2, column: 3, site: 2)) == nil)
    }

    @Test func countsPerWellComeFromFieldRows() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let store = try Store.create(at: tmp.file("s.db"))
        let columns = try store.featureColumns()
        let writer = try store.makeWriter(run: testRun)
        // Well B03 has two sites with 5 and 7 cells; C01 has one empty site; plate P2 one field.
        for (key, n) in [(FieldKey(plate: "P1", row: 2, column: 3, site: 1), 5),
                         (FieldKey(plate: "P1", row: 2, column: 3, site: 2), 7),
                         (FieldKey(plate: "P1", row: 3, column: 1, site: 1), 0),
                         (FieldKey(plate: "P2", row: 1, column: 1, site: 1), 4)] {
            try await writer.submit(SyntheticField.make(key: key, cells: n, columns: columns, seed: 1))
        }
        try await writer.submit(failure: FailureRecord(path: "/x/C02_s1.tif", reason: "cannot read",
                                                       field: FieldKey(plate: "P1", row: 3, column: 2, site: 1)))
        _ = try await writer.finish()
        let wells = try store.wellCounts(plate: "P1")
        #expect(wells.map(\.name) == ["B03", "C01", "C02"])
        #expect(wells.map(\.cells) == [12, 0, 0])
        #expect(wells.map(\.fieldsDone) == [2, 1, 0])
        #expect(wells.map(\.fieldsFailed) == [0, 0, 1])
        let plates = try store.plates()
        #expect(plates.map(\.name) == ["P1", "P2"])
        #expect(plates.map(\.cells) == [12, 4])
        #expect(plates.map(\.fieldsFailed) == [1, 0])
        let fields = try store.fieldCounts(plate: "P1")
        #expect(fields.map(\.cellCount) == [5, 7, 0, nil])
        #expect(fields.last?.status == "failed")
        #expect(try store.failures().map(\.reason) == ["cannot read"])
        #expect(try store.checkConsistency().isConsistent)
    }

    @Test func manyProducersWithBackPressureAllCommitInBatches() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let store = try Store.create(at: tmp.file("s.db"))
        let columns = try store.featureColumns()
        let writer = try store.makeWriter(run: testRun, capacity: 2, maxBatchCells: 1_000)
        let all = keys(count: 120)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for p in 0 ..< 4 {
                group.addTask {
                    for i in stride(from: p, to: all.count, by: 4) {
                        try await writer.submit(SyntheticField.make(key: all[i], cells: 30, columns: columns,
                                                                    seed: UInt64(i)))
                    }
                }
            }
            try await group.waitForAll()
        }
        let summary = try await writer.finish()
        #expect(summary.fields == 120 && summary.cells == 3_600)
        #expect(summary.transactions <= 120)
        let report = try store.checkConsistency()
        #expect(report.fieldsDone == 120 && report.storedCells == 3_600 && report.storedMasks == 3_600)
        #expect(report.isConsistent)
        // After finish the writer refuses more work.
        await #expect(throws: StoreError.self) {
            try await writer.submit(SyntheticField.make(key: all[0], cells: 1, columns: columns, seed: 0))
        }
    }

    @Test func unchangedFieldIsSkippedChangedFileOrParametersReprocess() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let store = try Store.create(at: tmp.file("s.db"))
        let key = FieldKey(plate: "P1", row: 1, column: 1, site: 1)
        #expect(try store.needsProcessing(key, fingerprints: ["DNA": "synthetic-1"], parametersHash: "h1"))
        _ = try await writeFields(store, keys: [key], cells: 20)
        #expect(try !store.needsProcessing(key, fingerprints: ["DNA": "synthetic-1"], parametersHash: "h1"))
        #expect(try store.needsProcessing(key, fingerprints: ["DNA": "changed"], parametersHash: "h1"))
        #expect(try store.needsProcessing(key, fingerprints: ["DNA": "synthetic-1", "GFP": "g"], parametersHash: "h1"))
        #expect(try store.needsProcessing(key, fingerprints: ["DNA": "synthetic-1"], parametersHash: "h2"))
        let bulk = try store.processedFields(plate: "P1")
        #expect(bulk[key]?.isCurrent(fingerprints: ["DNA": "synthetic-1"], parametersHash: "h1") == true)

        // New parameters: the field's cells are replaced under a new run; the old run is kept.
        let run2 = RunInfo(version: "test", parametersJSON: #"{"sigma":3}"#, parametersHash: "h2")
        _ = try await writeFields(store, keys: [key], cells: 13, run: run2, seed: 1)
        #expect(try store.cells(of: key)?.objectNumbers.count == 13)
        #expect(try store.fieldCounts().map(\.cellCount) == [13])
        let runs = try store.runs()
        #expect(runs.map(\.parametersHash) == ["h1", "h2"])
        #expect(runs.map(\.fields) == [0, 1])
        #expect(runs.allSatisfy { $0.finishedAt != nil })
        #expect(try !store.needsProcessing(key, fingerprints: ["DNA": "synthetic-1"], parametersHash: "h2"))
        let report = try store.checkConsistency()
        #expect(report.storedCells == 13 && report.storedMasks == 13 && report.isConsistent)
    }

    @Test func failedFieldWithUnchangedFilesIsNotRetried() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let store = try Store.create(at: tmp.file("s.db"))
        let key = FieldKey(plate: "P1", row: 1, column: 2, site: 1)
        _ = try await writeFields(store, keys: [key], cells: 5)
        let image = ImageRecord(channel: "DNA", path: "/x/A02.tif", bytes: 10, mtime: 1, fingerprint: "bad")
        let writer = try store.makeWriter(run: testRun)
        try await writer.submit(failure: FailureRecord(path: image.path, reason: "truncated TIFF", field: key, images: [image]))
        _ = try await writer.finish()
        #expect(try store.fieldCounts().first?.status == "failed")
        #expect(try store.cells(of: key)?.objectNumbers == [])
        #expect(try !store.needsProcessing(key, fingerprints: ["DNA": "bad"], parametersHash: "h1"))
        #expect(try store.needsProcessing(key, fingerprints: ["DNA": "fixed"], parametersHash: "h1"))
    }

    @Test func extraChannelColumnsAreAddedUnknownColumnsRefused() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let store = try Store.create(at: tmp.file("s.db"))
        let columns = try store.featureColumns()
        let extra = ["Nuclei_Intensity_MeanIntensity_GFP", "Nuclei_Location_CenterMassIntensity_X_GFP"]
        let writer = try store.makeWriter(run: testRun)
        let key = FieldKey(plate: "P1", row: 1, column: 1, site: 1)
        try await writer.submit(SyntheticField.make(key: key, cells: 3, columns: columns + extra, seed: 3,
                                                    channels: ["DNA", "GFP"]))
        await #expect(throws: StoreError.unknownFeatureColumns(["Nuclei_Texture_Contrast_GFP", "Cells_AreaShape_Area"])) {
            try await writer.submit(SyntheticField.make(
                key: key, cells: 1, columns: ["Nuclei_Texture_Contrast_GFP", "Cells_AreaShape_Area"], seed: 1))
        }
        await #expect(throws: StoreError.self) {
            var bad = SyntheticField.make(key: key, cells: 2, columns: columns, seed: 1)
            bad.values.removeLast()
            try await writer.submit(bad)
        }
        await #expect(throws: StoreError.self) {
            var shuffled = SyntheticField.make(key: key, cells: 3, columns: columns, seed: 1)
            shuffled.values.swapAt(0, columns.count)  // object numbers 2, 1, 3
            try await writer.submit(shuffled)
        }
        await #expect(throws: StoreError.self) {
            var broken = SyntheticField.make(key: key, cells: 3, columns: columns, seed: 1)
            broken.masks.rleOffsets[1] = broken.masks.rleBytes.count + 1
            try await writer.submit(broken)
        }
        await #expect(throws: StoreError.invalidField(key, reason: "images must have distinct channels and paths")) {
            var twice = SyntheticField.make(key: key, cells: 1, columns: columns, seed: 1)
            twice.images += twice.images
            try await writer.submit(twice)
        }
        _ = try await writer.finish()
        let now = try store.featureColumns()
        #expect(now == columns + extra)
        let back = try #require(try store.cells(of: key))
        #expect(back.columns == columns + extra)
        #expect(back.values.count == 3 * (columns.count + extra.count))
        #expect(try store.images(of: key).map(\.channel) == ["DNA", "GFP"])
    }
}
