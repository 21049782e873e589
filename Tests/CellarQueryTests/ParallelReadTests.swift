import CellarBench
import CellarStore
import Foundation
import Testing
@testable import CellarQuery

/// Summary and cell export split over several reader connections give the same result as one.
@Suite struct ParallelReadTests {
    @Test func workersGiveIdenticalResults() async throws {
        let dir = try TempDir()
        // 100 fields (> 3 export chunks of 32 fields), some wells empty of cells.
        let cells: @Sendable (Int) -> Int = { $0 % 17 == 5 ? 0 : 5 + ($0 * 7) % 23 }
        let (screen, _) = try await TestDB.screen(dir, fields: 100, cells: cells)
        let features = ["Nuclei_AreaShape_Area", "Nuclei_Intensity_MassDisplacement_DNA"]
        for level in SummaryLevel.allCases {
            let one = try Summary.compute(screen, features: features, by: level, workers: 1)
            for workers in [2, 3] {
                let many = try Summary.compute(screen, features: features, by: level, workers: workers)
                #expect(many.count == one.count)
                for (a, b) in zip(one, many) {
                    #expect(a.plate == b.plate && a.well == b.well && a.site == b.site && a.feature == b.feature)
                    #expect(zip(a.values, b.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
                }
            }
        }
        for format in [ExportFormat.csv, .jsonl] {
            var outputs: [Data] = []
            for workers in [1, 2, 3] {
                let file = dir.file("cells-\(workers).\(format.rawValue)")
                let result = try Export.run(screen, ExportOptions(format: format), to: file, workers: workers)
                #expect(result.rows == (0 ..< 100).reduce(0) { $0 + cells($1) })
                outputs.append(try Data(contentsOf: URL(fileURLWithPath: file)))
            }
            #expect(outputs[1] == outputs[0] && outputs[2] == outputs[0])
        }
    }

    /// While the writer commits fields, every parallel summary still reads one snapshot: each
    /// field complete, no field twice, and the fields a prefix of the commit order.
    @Test func parallelSummaryBesideWriter() async throws {
        let dir = try TempDir()
        let path = dir.file("live.db")
        let store = try Store.create(at: path)
        let columns = try store.featureColumns()
        let writer = try store.makeWriter(run: RunInfo(version: "t", parametersJSON: "{}", parametersHash: "t"))
        try await writer.submit(FakeCells.field(0, cells: 10, columns: columns, sites: 3))
        for _ in 0 ..< 200 where await writer.progress.fields < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let screen = try Screen.open(path)
        let fields = 120
        let producer = Task {
            for i in 1 ..< fields { try await writer.submit(FakeCells.field(i, cells: 10 + i % 5, columns: columns, sites: 3)) }
        }
        for _ in 0 ..< 15 {
            let rows = try Summary.compute(screen, features: ["Area"], by: .field, statistics: [.count], workers: 2)
            let keys = rows.map { "\($0.plate)/\($0.well!)/\($0.site!)" }
            #expect(Set(keys).count == keys.count)
            let expected = (0 ..< rows.count).map { FakeCells.key($0, sites: 3) }
            #expect(Set(keys) == Set(expected.map { "\($0.plate)/\($0.wellName)/\($0.site)" }))
            for row in rows {
                let key = FieldKey(parsing: "\(row.plate)/\(row.well!)/\(row.site!)")!
                let index = expected.firstIndex(of: key)!
                #expect(Int(row.values[0]) == (index == 0 ? 10 : 10 + index % 5))
            }
        }
        try await producer.value
        _ = try await writer.finish()
        try store.close()
    }
}
