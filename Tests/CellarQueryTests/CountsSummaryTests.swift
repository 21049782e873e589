import CellarBench
import CellarQuery
import CellarStore
import Foundation
import Testing

struct CountsSummaryTests {
    @Test func countsPerWellAndField() async throws {
        let dir = try TempDir()
        let failed = FieldKey(plate: "FAKE1", row: 8, column: 1, site: 1)
        let (screen, _) = try await TestDB.screen(dir, fields: 12, failed: [failed])
        let wells = try Counts.perWell(screen)
        // 12 fields / 3 sites = 4 wells + 1 failed well.
        #expect(wells.count == 5)
        let a01 = try #require(wells.first { $0.well == "A01" })
        #expect(a01.fields == 3)
        #expect(a01.cells == (0 ..< 3).map { 20 + ($0 * 7) % 13 }.reduce(0, +))
        #expect(a01.meanCellsPerField == Double(a01.cells) / 3)
        let h01 = try #require(wells.first { $0.well == "H01" })
        #expect(h01.fields == 0 && h01.failedFields == 1 && h01.cells == 0)
        let fields = try Counts.perField(screen, FieldFilter(plate: "FAKE1", wells: ["a2"]))
        #expect(fields.map(\.site) == [1, 2, 3] && fields.allSatisfy { $0.well == "A02" })

        let grid = PlateGrid.counts(wells)
        #expect(grid.contains("plate FAKE1"))
        let lines = grid.split(separator: "\n")
        #expect(lines.count == 2 + 8)  // title, header, rows A–H (the wells fit a 96-well layout)
        #expect(lines.contains { $0.hasPrefix("A") && $0.contains(String(a01.cells)) })
        #expect(lines.contains { $0.hasPrefix("H") && $0.contains("F") })
    }

    @Test func lookupErrors() async throws {
        let dir = try TempDir()
        let (screen, _) = try await TestDB.screen(dir, fields: 3)
        #expect {
            try Counts.perWell(screen, FieldFilter(plate: "P9"))
        } throws: { error in
            guard let e = error as? QueryError, case .unknownPlate("P9", let known) = e else { return false }
            return known == ["FAKE1"] && e.isLookupFailure
        }
        #expect {
            try Counts.perField(screen, FieldFilter(wells: ["Z99"]))
        } throws: { ($0 as? QueryError)?.isLookupFailure == true && "\($0)".contains("Z99") }
        #expect {
            try Summary.compute(screen, features: ["Nuclei_AreaShape_Aera"])
        } throws: { error in
            guard case .unknownFeature(_, let suggestions) = error as? QueryError else { return false }
            return suggestions.first == "Nuclei_AreaShape_Area"
        }
        #expect {
            try Screen.open(dir.file("missing.db"))
        } throws: { "\($0)".contains("cellar init") }
    }

    @Test func summaryMatchesNaiveComputation() async throws {
        let dir = try TempDir()
        let (screen, _) = try await TestDB.screen(dir, fields: 9)
        let features = ["Nuclei_AreaShape_Area", "Nuclei_Intensity_MassDisplacement_DNA"]  // the second has NULLs
        let rows = try Summary.compute(screen, features: features, by: .well)
        #expect(rows.count == 3 * 2)
        // Naive: read every cell of the well with the store's typed read.
        let store = screen.store
        for row in rows {
            var values: [Double] = []
            for site in 1 ... 3 {
                let key = FieldKey(parsing: "FAKE1/\(row.well!)/\(site)")!
                let cells = try #require(try store.cells(of: key, includeMasks: false))
                let c = cells.columns.firstIndex(of: row.feature)!
                for i in cells.objectNumbers.indices { values.append(cells.values[i * cells.columns.count + c]) }
            }
            let present = values.filter { !$0.isNaN }.sorted()
            #expect(row.values[0] == Double(present.count))
            let n = present.count
            let median = n % 2 == 1 ? present[n / 2] : (present[n / 2 - 1] + present[n / 2]) / 2
            #expect(row.values[3] == median)
            #expect(row.values[6] == present.first && row.values[7] == present.last)
        }
        let plate = try Summary.compute(screen, features: ["Area"], by: .plate, statistics: [.count])
        #expect(plate.count == 1 && plate[0].well == nil)
        let perField = try Summary.compute(screen, features: ["Area"], by: .field, statistics: [.count])
        #expect(perField.count == 9 && perField.map { Int($0.values[0]) } == (0 ..< 9).map { 20 + ($0 * 7) % 13 })
    }

    /// A database the writer is filling reads fine (WAL reader beside the writer).
    @Test func readsWhileWriterWrites() async throws {
        let dir = try TempDir()
        let path = dir.file("live.db")
        let store = try Store.create(at: path)
        let columns = try store.featureColumns()
        let writer = try store.makeWriter(run: RunInfo(version: "t", parametersJSON: "{}", parametersHash: "t"))
        for i in 0 ..< 6 { try await writer.submit(FakeCells.field(i, cells: 30, columns: columns, sites: 3)) }
        // Wait until something is committed, without finishing the writer.
        for _ in 0 ..< 200 where await writer.progress.fields < 6 { try await Task.sleep(for: .milliseconds(10)) }
        let screen = try Screen.open(path)  // read-only open while the writer holds the lock
        let wells = try Counts.perWell(screen)
        #expect(wells.reduce(0) { $0 + $1.cells } == 6 * 30)
        try await writer.submit(FakeCells.field(6, cells: 30, columns: columns, sites: 3))
        _ = try await writer.finish()
        #expect(try Counts.perWell(screen).reduce(0) { $0 + $1.cells } == 7 * 30)
        try store.close()
    }
}
