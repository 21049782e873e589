import CellarBench
import CellarQuery
import CellarStore
import Foundation
import Testing

/// Queries over several databases answer exactly as over their merge (`cellar merge`).
@Suite(.serialized) struct SeveralDatabasesTests {
    /// Four databases: fields of two plates dealt round-robin to three, and a fourth, later run
    /// that re-did field 5 with other cells (it must win).
    static func databases(_ dir: TempDir) async throws -> (inputs: [String], merged: String) {
        // 48 wells of FAKE1 and 24 of FAKE2 (field i of FakeCells is well i of plate i / 384).
        let fields = Array(0 ..< 48) + Array(384 ..< 408)
        var inputs: [String] = []
        for part in 0 ..< 3 {
            let path = dir.file("part\(part).db")
            let store = try Store.create(at: path)
            let columns = try store.featureColumns()
            let writer = try store.makeWriter(run: RunInfo(version: "test", parametersJSON: "{}", parametersHash: "t"))
            for i in stride(from: part, to: fields.count, by: 3).map({ fields[$0] }) {
                try await writer.submit(FakeCells.field(i, cells: 4 + (i * 7) % 5, columns: columns, sites: 1, masks: true))
            }
            _ = try await writer.finish()
            try store.close()
            inputs.append(path)
        }
        try await Task.sleep(for: .milliseconds(20))
        let later = dir.file("later.db")
        let store = try Store.create(at: later)
        let writer = try store.makeWriter(run: RunInfo(version: "test", parametersJSON: #"{"x":1}"#, parametersHash: "u"))
        try await writer.submit(FakeCells.field(5, cells: 3, columns: try store.featureColumns(), sites: 1, masks: true))
        _ = try await writer.finish()
        try store.close()
        inputs.append(later)

        let merged = dir.file("merged.db")
        let out = try Store.create(at: merged)
        for input in inputs { _ = try out.merge(from: input) }
        try out.close()
        return (inputs, merged)
    }

    func export(_ screen: Screen, _ options: ExportOptions, _ path: String) throws -> Data {
        _ = try Export.run(screen, options, to: path)
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    @Test func countsSummaryExportAndHeatmapEqualTheMergedDatabase() async throws {
        let dir = try TempDir()
        let (inputs, mergedPath) = try await Self.databases(dir)
        let merged = try Screen.open(mergedPath)
        #expect(try Counts.perField(merged).first { $0.key == FakeCells.key(5, sites: 1) }?.cells == 3)

        for plate in [nil, "FAKE2"] as [String?] {
            let filter = FieldFilter(plate: plate)
            let counts = try Screen.open(paths: inputs, scope: MergeScope(plate: plate, cells: false))
            #expect(try Counts.perWell(counts, filter) == Counts.perWell(merged, filter))
            #expect(try Counts.perField(counts, filter) .map(\.key) == Counts.perField(merged, filter).map(\.key))
            #expect(try Counts.perField(counts, filter).map(\.cells) == Counts.perField(merged, filter).map(\.cells))

            let cells = try Screen.open(paths: inputs, scope: MergeScope(plate: plate, masks: false))
            let features = ["Nuclei_AreaShape_Area", "Nuclei_Intensity_MeanIntensity_DNA"]
            #expect(try Summary.compute(cells, filter: filter, features: features, by: .well)
                == Summary.compute(merged, filter: filter, features: features, by: .well))
            for level in [ExportLevel.cell, .well] {
                let options = ExportOptions(filter: filter, level: level)
                let a = try export(cells, options, dir.file("several.csv"))
                let b = try export(merged, options, dir.file("merged.csv"))
                #expect(a == b && a.count > 500)
            }
        }
        for value in [HeatmapValue.cells, try HeatmapValue(parsing: "Nuclei_AreaShape_Area:median")] {
            let screen = try Screen.open(paths: inputs, scope: MergeScope(plate: "FAKE1", cells: value != .cells, masks: false))
            let a = try Heatmap.values(screen, plate: "FAKE1", value: value)
            let b = try Heatmap.values(merged, plate: "FAKE1", value: value)
            #expect(a.values == b.values && a.failed == b.failed && a.label == b.label && a.values.count == 48)
        }
        // Unknown plates fail alike, listing every plate of every input.
        #expect(throws: QueryError.unknownPlate("NOPE", known: ["FAKE1", "FAKE2"])) {
            try Counts.perWell(try Screen.open(paths: inputs, scope: MergeScope(plate: "NOPE", cells: false)), FieldFilter(plate: "NOPE"))
        }
    }

    @Test func theTemporaryDatabaseIsRemoved() async throws {
        let dir = try TempDir()
        let (inputs, _) = try await Self.databases(dir)
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("cellar-several-") })
        do {
            let screen = try Screen.open(paths: inputs, scope: MergeScope(cells: false))
            #expect(try Counts.perWell(screen).count == 72)
        }
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("cellar-several-") })
        #expect(after.subtracting(before).isEmpty)
    }
}
