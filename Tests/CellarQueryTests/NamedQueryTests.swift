import CellarQuery
import CellarStore
import Foundation
import Testing

struct NamedQueryTests {
    @Test func embeddedQueriesMatchFilesAndDocumentThemselves() throws {
        let dir = PythonEnv.packageRoot.appendingPathComponent("queries").path
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".sql") }.sorted()
        let all = NamedQueries.all
        #expect(all.map(\.name) == files.map { String($0.dropLast(4)) })
        for q in all {
            #expect(q.sql == (try String(contentsOfFile: dir + "/" + q.name + ".sql", encoding: .utf8)))
            #expect(!q.summary.isEmpty, "\(q.name) has no summary line")
            #expect(q.documentation.contains("Parameters"), "\(q.name) does not list its parameters")
        }
        for name in ["per_well_counts", "per_field_counts", "well_feature_medians", "failed_files", "run_history", "plate_qc"] {
            #expect(all.contains { $0.name == name })
        }
        #expect(all.first { $0.name == "well_feature_medians" }!.parameters.map(\.required) == [true])
    }

    @Test func everyNamedQueryRuns() async throws {
        let dir = try TempDir()
        let failed = FieldKey(plate: "FAKE1", row: 3, column: 1, site: 1)
        let cells: @Sendable (Int) -> Int = { $0 == 4 ? 200 : 20 + ($0 * 7) % 5 }
        let (screen, _) = try await TestDB.screen(dir, fields: 30, cells: cells, failed: [failed])
        for q in NamedQueries.all {
            let params = q.parameters.contains { $0.name == "plate" } ? ["plate": "FAKE1"] : [:]
            let r = try NamedQueries.run(screen, q, parameters: params)
            #expect(!r.columns.isEmpty && !r.rows.isEmpty, "\(q.name) returned nothing")
        }
        let counts = try NamedQueries.run(screen, NamedQueries.resolve("per_well_counts"), parameters: ["plate": "FAKE1"])
        let cellsColumn = counts.columns.firstIndex(of: "cells")!
        let total = counts.rows.reduce(Int64(0)) { sum, row in
            if case .integer(let v) = row[cellsColumn] { return sum + v }
            return sum
        }
        #expect(Int(total) == (0 ..< 30).map(cells).reduce(0, +))

        // plate_qc flags the well with the dense field 4 (A02 holds fields 3, 4, 5) as high and the failed well.
        let qc = try NamedQueries.run(screen, NamedQueries.resolve("plate_qc"), parameters: ["plate": "FAKE1"])
        let well = qc.columns.firstIndex(of: "well")!, flag = qc.columns.firstIndex(of: "flag")!
        let flags = Dictionary(uniqueKeysWithValues: qc.rows.map { ($0[well], $0[flag]) })
        #expect(flags[.text("A02")] == .text("high"))
        #expect(flags[.text("C01")] == .text("failed"))
        #expect(flags.values.filter { $0 == .text("ok") }.count >= 7)

        // Exact SQL medians agree with the summary engine.
        let medians = try NamedQueries.run(screen, NamedQueries.resolve("well_feature_medians"), parameters: ["plate": "FAKE1"])
        let summary = try Summary.compute(screen, features: ["Nuclei_AreaShape_Area"], by: .well, statistics: [.median])
        let area = medians.columns.firstIndex(of: "Nuclei_AreaShape_Area")!
        for row in medians.rows {
            guard case .text(let w) = row[well], case .real(let v) = row[area] else { Issue.record("bad row \(row)"); continue }
            #expect(summary.first { $0.well == w }?.values[0] == v)
        }
    }

    @Test func parametersAreChecked() async throws {
        let dir = try TempDir()
        let (screen, _) = try await TestDB.screen(dir, fields: 3)
        let q = try NamedQueries.resolve("per_well_counts")
        #expect(q.parameters.map(\.name) == ["plate"])
        #expect { try NamedQueries.run(screen, q, parameters: ["plat": "FAKE1"]) } throws: {
            ($0 as? QueryError)?.isLookupFailure == true && "\($0)".contains("plate")
        }
        #expect { try NamedQueries.run(screen, NamedQueries.resolve("well_feature_medians"), parameters: [:]) } throws: {
            "\($0)".contains("needs --param plate")
        }
        #expect { try NamedQueries.resolve("per_well_count") } throws: {
            guard case .unknownQuery(_, let s) = $0 as? QueryError else { return false }
            return s.first == "per_well_counts"
        }
        #expect(try NamedQueries.parseParameters(["plate=P 1", ":x=a=b"]) == ["plate": "P 1", "x": "a=b"])
        // An unknown plate is a lookup error, as for `counts --plate`, not an empty result.
        #expect { try NamedQueries.run(screen, q, parameters: ["plate": "NOPE"]) } throws: {
            guard case .unknownPlate("NOPE", let known) = $0 as? QueryError else { return false }
            return known == ["FAKE1"]
        }
        // A user's query: a parameter it uses but nobody gave is an error naming it, not NULL.
        let own = NamedQuery(name: "mine", sql: "SELECT count(*) FROM field WHERE cell_count > :min_cells")
        #expect { try NamedQueries.run(screen, own, parameters: [:]) } throws: {
            ($0 as? QueryError)?.isLookupFailure == true && "\($0)".contains("--param min_cells")
        }
        #expect(try NamedQueries.run(screen, own, parameters: ["min_cells": "0"]).rows.count == 1)
        // A .sql file that is not there says so.
        #expect { try NamedQueries.resolve(dir.path + "/missing.sql") } throws: {
            "\($0)".contains("missing.sql: no such file")
        }
        // --list shows the whole first paragraph of a description.
        #expect(try NamedQueries.resolve("run_history").summary.contains("kept after later runs re-process"))
        #expect(throws: QueryError.self) { try NamedQueries.parseParameters(["plate"]) }
    }

    @Test func writesAreRefused() async throws {
        let dir = try TempDir()
        let (screen, path) = try await TestDB.screen(dir, fields: 3)
        let statements = [
            "DELETE FROM cell",
            "UPDATE field SET cell_count = 0",
            "INSERT INTO plate(name, created_at) VALUES ('X', 'now')",
            "DROP TABLE cell",
            "CREATE TABLE t(x)",
            "ATTACH DATABASE ':memory:' AS other",
            "PRAGMA user_version = 7",
            "SELECT 1; DELETE FROM cell",
        ]
        for (i, sql) in statements.enumerated() {
            let file = dir.file("q\(i).sql")
            try ("-- q\(i): tries to write\n" + sql + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let q = try NamedQueries.resolve(file)
            #expect(throws: QueryError.self, "\(sql)") { try NamedQueries.run(screen, q, parameters: [:]) }
        }
        let cells = try Counts.perWell(screen).reduce(0) { $0 + $1.cells }
        #expect(cells == (0 ..< 3).map { 20 + ($0 * 7) % 13 }.reduce(0, +))
        // A user's own read query works.
        let file = dir.file("mine.sql")
        try "SELECT count(*) AS n FROM cell WHERE field_id IN (SELECT id FROM field WHERE site = :site)".write(toFile: file, atomically: true, encoding: .utf8)
        let r = try NamedQueries.run(screen, NamedQueries.resolve(file), parameters: ["site": "2"])
        #expect(r.columns == ["n"] && r.rows == [[.integer(Int64(20 + 7 % 13))]])
        _ = path
    }
}
