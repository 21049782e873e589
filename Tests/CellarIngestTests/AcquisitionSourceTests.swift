import Foundation
import Testing
@testable import CellarIngest

/// End to end: a folder → layout auto-detection → scan → watch → complete fields.
@Suite(.serialized) struct AcquisitionSourceTests {
    @Test func oneShotScanAutoDetectsAndAssemblesFields() async throws {
        let t = try TempDir()
        defer { t.cleanup() }
        try t.mkdir("Exp1/data")
        let b = try tiffBytes()
        for w in [1, 2, 13] {
            for ch in ["DAPI", "GFP"] {
                t.write(String(format: "Exp1/data/--W%05d--P00001--Z00000--T00000--%@.tif", w, ch), b)
            }
        }
        t.write("Exp1/data/--W00005--P00001--Z00000--T00000--GFP.tif", b)   // its DAPI never comes
        t.write("Exp1/data/overview.tif", b)
        let settings = IngestSettings(settle: .milliseconds(100), grace: .seconds(1))
        let events = try AcquisitionSource(root: t.path, settings: settings).events(watch: false)
        var fields: [AssembledField] = []
        var layoutName: String?
        var unmatched: [String] = []
        var missing: [FieldID] = []
        for await e in events {
            switch e {
            case let .layout(l, detection): layoutName = l.name; #expect(detection != nil)
            case let .scanned(_, u, _, _): unmatched = u
            case let .field(f): fields.append(f)
            case let .missingDNA(id, _): missing.append(id)
            default: break
            }
        }
        #expect(layoutName == "scanr")
        #expect(unmatched == ["Exp1/data/overview.tif"])
        #expect(fields.map(\.id.description).sorted() == ["Exp1/A01/1/z0/t0", "Exp1/A02/1/z0/t0", "Exp1/B01/1/z0/t0"])
        #expect(fields.allSatisfy { $0.dnaChannel == "DAPI" && $0.missingChannels.isEmpty })
        #expect(missing.map(\.wellName) == ["A05"])
    }

    @Test func watchHandsOnFieldsWrittenAfterTheScan() async throws {
        let t = try TempDir()
        defer { t.cleanup() }
        try t.mkdir("PlateZ")
        let b = try tiffBytes()
        t.write("PlateZ/PZ_A01_s1_w1.tif", b)
        t.write("PlateZ/PZ_A01_s1_w2.tif", b)
        try "layout = \"imagexpress\"\n".write(toFile: t.path + "/cellar.toml", atomically: true, encoding: .utf8)
        let settings = try IngestSettings(settle: .milliseconds(100)).merged(withRoot: t.path)
        let source = AcquisitionSource(root: t.path, settings: settings)
        let (log, task) = collect(try source.events(watch: true))
        #expect(await log.waitFor { $0.compactMap(\.field).count == 1 })
        t.write("PlateZ/PZ_B07_s3_w2.tif", b)
        try await Task.sleep(for: .milliseconds(300))
        #expect(await log.events.compactMap(\.field).count == 1)   // w1 (DNA) not there yet
        t.writeThenRename("PlateZ/PZ_B07_s3_w1.tif", b)
        #expect(await log.waitFor { $0.compactMap(\.field).count == 2 })
        let f = try #require(await log.events.compactMap(\.field).last)
        #expect((f.id.plate, f.id.wellName, f.id.site, f.channels) == ("PZ", "B07", 3, ["1", "2"]))
        task.cancel()
        await task.value
    }
}
