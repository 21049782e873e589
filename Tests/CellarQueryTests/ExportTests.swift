import CellarQuery
import CellarStore
import Foundation
import GRDB
import Testing

struct ExportTests {
    @Test func csvLayoutAndMissingValues() async throws {
        let dir = try TempDir()
        let (screen, _) = try await TestDB.screen(dir, fields: 6)
        let out = dir.file("cells.csv")
        let result = try Export.run(screen, ExportOptions(filter: FieldFilter(wells: ["A01"])), to: out)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(Array(header.prefix(5)) == ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "ImageNumber", "ObjectNumber"])
        #expect(header.dropFirst(5).allSatisfy { $0.hasPrefix("Nuclei_") })
        let cells = (0 ..< 3).map { 20 + ($0 * 7) % 13 }.reduce(0, +)
        #expect(result.rows == cells && lines.count == cells + 2 && lines.last == "")
        #expect(!text.lowercased().contains("nan"))
        // MassDisplacement is NULL for every 40th cell (index 7): an empty field.
        let md = header.firstIndex(of: "Nuclei_Intensity_MassDisplacement_DNA")!
        let row8 = lines[8].split(separator: ",", omittingEmptySubsequences: false)
        #expect(row8[4] == "8" && row8[md] == "")
        #expect(lines[1].hasPrefix("FAKE1,A01,1,1,1,1,"))

        let jsonl = dir.file("cells.jsonl")
        _ = try Export.run(screen, ExportOptions(filter: FieldFilter(wells: ["A01"]), format: .jsonl), to: jsonl)
        let first = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n")
        #expect(first.count == cells)
        let object = try JSONSerialization.jsonObject(with: Data(first[7].utf8)) as! [String: Any]
        #expect(object["Metadata_Well"] as? String == "A01" && object["ObjectNumber"] as? Int == 8)
        #expect(object["Nuclei_Intensity_MassDisplacement_DNA"] is NSNull)
    }

    @Test func wellLevelIsMedianOfCells() async throws {
        let dir = try TempDir()
        let (screen, _) = try await TestDB.screen(dir, fields: 6)
        let features = ["Nuclei_AreaShape_Area", "Nuclei_Intensity_MassDisplacement_DNA"]
        let summary = try Summary.compute(screen, features: features, by: .well, statistics: [.median, .count])
        let out = dir.file("wells.csv")
        let result = try Export.run(screen, ExportOptions(level: .well, features: features), to: out)
        #expect(result.rows == 2)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(lines[0] == ["Metadata_Plate", "Metadata_Well", "Metadata_Site_Count", "Metadata_Object_Count"] + features)
        for (i, well) in ["A01", "A02"].enumerated() {
            let row = lines[i + 1]
            #expect(row[1] == well && row[2] == "3")
            for (k, f) in features.enumerated() {
                let s = summary.first { $0.well == well && $0.feature == f }!
                #expect(abs(Double(row[4 + k])! - s.values[0]) <= abs(s.values[0]) * 1e-14)
            }
        }
        let mean = try Export.run(screen, ExportOptions(level: .field, features: ["Area"], aggregation: .mean), to: dir.file("f.csv"))
        #expect(mean.rows == 6)
    }

    @Test(.enabled(if: PythonEnv.enabled, "needs Python with pandas (CELLAR_PYTHON or .venv)"))
    func pandasReadsEveryFormatAndAgreesOnMedians() async throws {
        let dir = try TempDir()
        let (screen, _) = try await TestDB.screen(dir, fields: 12)
        for (format, name) in [(ExportFormat.csv, "c.csv"), (.tsv, "c.tsv"), (.jsonl, "c.jsonl")] {
            _ = try Export.run(screen, ExportOptions(format: format), to: dir.file(name))
        }
        _ = try Export.run(screen, ExportOptions(level: .well), to: dir.file("w.csv"))
        let script = """
            import sys, numpy as np, pandas as pd
            d = sys.argv[1]
            c = pd.read_csv(d + "/c.csv")
            t = pd.read_csv(d + "/c.tsv", sep="\\t")
            j = pd.read_json(d + "/c.jsonl", lines=True, precise_float=True)
            w = pd.read_csv(d + "/w.csv")
            assert len(c) == len(t) == len(j) > 0, (len(c), len(t), len(j))
            assert list(c.columns) == list(t.columns) == list(j.columns)
            for col in c.columns:
                if col.startswith("Nuclei_"):
                    assert np.allclose(c[col], t[col], rtol=0, atol=0, equal_nan=True), col
                    assert np.allclose(c[col], j[col].astype(float), rtol=1e-13, atol=0, equal_nan=True), col
            assert c["Nuclei_Intensity_MassDisplacement_DNA"].isna().sum() > 0
            feats = [x for x in c.columns if x.startswith("Nuclei_")]
            med = c.groupby(["Metadata_Plate", "Metadata_Well"])[feats].median().reset_index()
            m = med.merge(w, on=["Metadata_Plate", "Metadata_Well"], suffixes=("_pd", ""))
            assert len(m) == len(w) == c.Metadata_Well.nunique()
            for f in feats:
                assert np.allclose(m[f + "_pd"], m[f], rtol=1e-13, atol=0), f
            counts = c.groupby("Metadata_Well").size()
            assert (w.set_index("Metadata_Well")["Metadata_Object_Count"] == counts).all()
            print("ok", len(c), len(w))
            """
        let out = try PythonEnv.run(script: script, args: [dir.path])
        #expect(out.hasPrefix("ok"))
    }

    @Test func cytominerLayout() async throws {
        let dir = try TempDir()
        let (screen, _) = try await TestDB.screen(dir, fields: 6)
        let out = dir.file("cp.sqlite")
        let result = try Export.run(screen, ExportOptions(format: .cytominerSQLite), to: out)
        let cells = (0 ..< 6).map { 20 + ($0 * 7) % 13 }.reduce(0, +)
        #expect(result.rows == cells)
        let db = try DatabaseQueue(path: out)
        try await db.read { db in
            let image = try db.columns(in: "image").map(\.name)
            #expect(Array(image.prefix(6)) == ["TableNumber", "ImageNumber", "Metadata_Plate", "Metadata_Well", "Metadata_Site", "Count_Nuclei"])
            #expect(image.contains("FileName_DNA") && image.contains("PathName_DNA"))
            let nuclei = try db.columns(in: "nuclei").map(\.name)
            #expect(Array(nuclei.prefix(3)) == ["TableNumber", "ImageNumber", "ObjectNumber"])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM nuclei") == cells)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM image") == 6)
            #expect(try Int.fetchOne(db, sql: "SELECT sum(Count_Nuclei) FROM image") == cells)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM nuclei WHERE Nuclei_Intensity_MassDisplacement_DNA IS NULL") ?? 0 > 0)
        }
        #expect(throws: QueryError.self) { try Export.run(screen, ExportOptions(format: .cytominerSQLite), to: out) }
    }

    /// `make test-interop`: pycytominer (in .venv-interop) reads the cytominer export.
    @Test(.enabled(if: PythonEnv.interop != nil, "make test-interop runs it (pycytominer in .venv-interop)"))
    func pycytominerReadsCytominerExport() async throws {
        let dir = try TempDir()
        let (screen, _) = try await TestDB.screen(dir, fields: 9)
        let out = dir.file("cp.sqlite")
        let result = try Export.run(screen, ExportOptions(format: .cytominerSQLite), to: out)
        _ = try Export.run(screen, ExportOptions(level: .well), to: dir.file("wells.csv"))
        // pycytominer's merge_single_cells joins pairs of linked compartments and refuses a single
        // one, so the nuclei are linked to the image table as the second compartment; its
        // aggregate_profiles works on nuclei alone and must agree with `--level well`.
        let merge = """
            import sys, warnings
            warnings.simplefilter("ignore")
            import numpy as np, pandas as pd
            from pycytominer.cyto_utils.cells import SingleCells
            url = "sqlite:///" + sys.argv[1]
            n = int(sys.argv[2])
            sc = SingleCells(url, compartments=["nuclei", "image"],
                             compartment_linking_cols={"nuclei": {"image": "ImageNumber"}, "image": {"nuclei": "ImageNumber"}})
            df = sc.merge_single_cells()
            assert len(df) == n, (len(df), n)
            assert any(c.startswith("Metadata_Well") for c in df.columns), list(df.columns)[:12]
            assert "Nuclei_AreaShape_Area" in df.columns and df["Nuclei_AreaShape_Area"].notna().all()
            agg = SingleCells(url, compartments=["nuclei"], compartment_linking_cols={"nuclei": {}},
                              object_feature="ObjectNumber").aggregate_profiles()
            ours = pd.read_csv(sys.argv[3])
            assert list(agg.columns) == list(ours.columns), (list(agg.columns)[:6], list(ours.columns)[:6])
            assert len(agg) == len(ours) == 3
            for c in ours.columns:
                if c.startswith("Nuclei_"):
                    assert np.allclose(agg[c], ours[c], rtol=1e-13, atol=0), c
            assert (agg["Metadata_Object_Count"].values == ours["Metadata_Object_Count"].values).all()
            print("ok", len(df), len(agg))
            """
        let text = try PythonEnv.run(script: merge, args: [out, String(result.rows), dir.file("wells.csv")],
                                     python: PythonEnv.interop)
        #expect(text.hasPrefix("ok"))
    }
}
