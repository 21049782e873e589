import CellarBench
import CellarImage
import CellarMeasure
import CellarQuery
import CellarStore
import Foundation
import Testing

struct RenderTests {
    @Test func heatmapPNGAndASCII() async throws {
        let dir = try TempDir()
        let failed = FieldKey(plate: "FAKE1", row: 2, column: 5, site: 1)
        let (screen, _) = try await TestDB.screen(dir, fields: 24, sites: 1, failed: [failed])
        let values = try Heatmap.values(screen, plate: "FAKE1", value: .cells)
        #expect(values.format == .well384 && values.values.count == 24 && values.failed == [WellPosition(row: 2, column: 5)])
        let png = dir.file("p.png")
        try Heatmap.writePNG(values, to: png)
        let image = try ImageFile.read(png)
        #expect(image.width > 24 * 20 && image.height > 16 * 20)

        let area = try Heatmap.values(screen, plate: "FAKE1", value: try HeatmapValue(parsing: "Area:mean"))
        #expect(area.label == "mean Nuclei_AreaShape_Area" && area.values.count == 24)
        let text = Heatmap.ascii(values)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2 + 16 + 1)
        #expect(lines[2].hasPrefix("A") && lines[3].contains("x"))
        #expect(throws: QueryError.self) { try HeatmapValue(parsing: "Area:q25") }
        #expect(throws: QueryError.self) { try Heatmap.values(screen, plate: "FAKE1", value: .feature("Aera", .median)) }
    }

    @Test func heatmapLayouts() {
        for (format, n) in [(PlateFormat.well96, 96), (.well384, 384), (.well1536, 1536)] {
            var values: [WellPosition: Double] = [:]
            for r in 1 ... format.rows { for c in 1 ... format.columns where (r + c) % 7 != 0 { values[WellPosition(row: r, column: c)] = Double(r * c) } }
            #expect(format.wells == n)
            #expect(PlateFormat.fitting(values.keys) == format)
            let text = Heatmap.ascii(PlateValues(plate: "P", format: format, label: "x", values: values, failed: []))
            #expect(text.split(separator: "\n").count == format.rows + 3)
        }
    }

    @Test func labelImageIsBitExact() async throws {
        let dir = try TempDir()
        let (screen, path) = try await TestDB.screen(dir, fields: 3, masks: true)
        // The masks the writer stored, rebuilt independently of the query module.
        let columns = try screen.featureColumns()
        let original = FakeCells.field(1, cells: 20 + 7 % 13, columns: columns, sites: 3, masks: true)
        let masks = (0 ..< original.masks.count).map { i in
            let m = original.masks[i]
            return CellMask(objectNumber: UInt32(i + 1), x: m.x, y: m.y, width: m.width, height: m.height, rle: m.rle)
        }
        let expected = try LabelImage.rebuild(width: 1024, height: 1024, masks: masks)
        let field = "FAKE1/A01/2"
        #expect(try MaskExport.labelImage(screen, field: field).pixels == expected.pixels)
        for ext in ["png", "tif"] {
            let out = dir.file("labels.\(ext)")
            let result = try MaskExport.write(screen, field: field, to: out)
            #expect(result.bits == 16 && result.width == 1024)
            guard case .uint16(let img) = try ImageFile.read(out) else { Issue.record("not 16-bit: \(ext)"); continue }
            #expect(img.pixels.map(UInt32.init) == expected.pixels)
        }
        #expect { try MaskExport.write(screen, field: "FAKE1/A09/1", to: dir.file("x.png")) } throws: {
            ($0 as? QueryError)?.isLookupFailure == true
        }
        #expect { try MaskExport.write(screen, field: "NOPE/A01/1", to: dir.file("x.png")) } throws: {
            guard case .unknownPlate = $0 as? QueryError else { return false }
            return true
        }
        _ = path
    }

    @Test func labelsBeyond16BitsWrite32BitTIFF() async throws {
        let dir = try TempDir()
        let path = dir.file("big.db")
        let store = try Store.create(at: path)
        let columns = try store.featureColumns()
        let n = 70_000
        var field = FakeCells.field(0, cells: n, columns: columns, sites: 1)
        var masks = StoredMasks()
        for i in 0 ..< n { masks.append(x: i % 1024, y: i / 1024, width: 1, height: 1, rle: [0, 1]) }
        field.masks = masks
        let writer = try store.makeWriter(run: RunInfo(version: "t", parametersJSON: "{}", parametersHash: "t"))
        try await writer.submit(field)
        _ = try await writer.finish()
        try store.close()
        let screen = try Screen.open(path)
        #expect(throws: QueryError.self) { try MaskExport.write(screen, field: "FAKE1/A01/1", to: dir.file("l.png")) }
        let out = dir.file("l.tif")
        #expect(try MaskExport.write(screen, field: "FAKE1/A01/1", to: out).bits == 32)
        // 1024×1024 × 4 bytes of samples: a 32-bit image.
        let size = try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int ?? 0
        #expect(size >= 1024 * 1024 * 4)
    }

    @Test(.enabled(if: PythonEnv.enabled, "needs Python with pycocotools (CELLAR_PYTHON or .venv)"))
    func cocoJSONLoadsInPycocotools() async throws {
        let dir = try TempDir()
        let (screen, _) = try await TestDB.screen(dir, fields: 3, masks: true)
        let field = "FAKE1/A01/3"
        let json = dir.file("coco.json"), png = dir.file("labels.png")
        let result = try MaskExport.write(screen, field: field, to: json)
        _ = try MaskExport.write(screen, field: field, to: png)
        let script = """
            import sys, json, numpy as np
            from pycocotools.coco import COCO
            from pycocotools import mask as M
            from PIL import Image
            coco = COCO(sys.argv[1])
            labels = np.array(Image.open(sys.argv[2]))
            img = coco.loadImgs(1)[0]
            assert (img["height"], img["width"]) == labels.shape
            anns = coco.loadAnns(coco.getAnnIds(imgIds=[1]))
            assert len(anns) == int(sys.argv[3])
            rebuilt = np.zeros(labels.shape, dtype=np.uint32)
            for a in anns:
                m = coco.annToMask(a)
                assert int(m.sum()) == a["area"] == int(M.area(a["segmentation"]))
                assert np.allclose(M.toBbox(a["segmentation"]), a["bbox"])
                assert a["category_id"] == 1
                rebuilt[m > 0] = a["object_number"]
            assert (rebuilt == labels).all(), int((rebuilt != labels).sum())
            print("ok", len(anns))
            """
        let out = try PythonEnv.run(script: script, args: [json, png, String(result.objects)])
        #expect(out.split(separator: "\n").last?.hasPrefix("ok") == true, "\(out)")
    }
}
