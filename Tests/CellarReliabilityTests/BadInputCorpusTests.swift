import CellarImage
import CellarStore
import CellarSynth
import GRDB
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `cellar ingest` over a folder of bad input, built here (no committed binaries): every bad file
/// is recorded with its reason, valid odd files (RGB, float, 1-bit) are ingested, nothing
/// crashes or hangs, and the exit status is 1 with a summary.
@Suite(.serialized) struct BadInputCorpusTests {
    /// Expected outcome per ImageXpress well of plate P1 (site 1, channel w1).
    enum Expect { case done(bits: Int), failed(String) }

    @Test func ingestRecordsEveryBadFileAndKeepsGoing() throws {
        let tmp = try TempDir()
        defer { tmp.cleanup() }
        try tmp.mkdir("acq/P1")
        func name(_ well: String) -> String { "acq/P1/P1_\(well)_s1_w1.tif" }
        try syntheticTIFF(well: "A01", at: tmp.file(name("A01")))
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: tmp.file(name("A01")))))
        var expect: [String: Expect] = ["A01": .done(bits: 16)]

        try tmp.write(name("A02"), []); expect["A02"] = .failed("file is empty")
        for (well, percent) in [("A03", 10), ("A04", 50), ("A05", 90)] {
            // The synthetic writer puts the IFD last, so every cut loses it: "truncated".
            try tmp.write(name(well), Array(good.prefix(good.count * percent / 100)))
            expect[well] = .failed("truncated")
        }
        var bogus = good
        bogus.replaceSubrange(4 ..< 8, with: [0xff, 0xff, 0xff, 0x7f])
        try tmp.write(name("A06"), bogus); expect["A06"] = .failed("truncated: first directory at byte 2147483647")
        try tmp.write(name("A07"), TinyTIFF.huge(side: 100_000)); expect["A07"] = .failed("100000 × 100000 pixels, over the limit")
        // RGB: the first channel is used.
        let field = synthesizeFieldImage(well: "A08")
        let rgb = field.pixels.flatMap { v -> [UInt8] in let g = UInt8(v >> 8); return [g, 255 - g, 0] }
        try ImageFile.writeTIFFRGB(rgb, width: field.width, height: field.height, to: tmp.file(name("A08")))
        expect["A08"] = .done(bits: 8)
        try ImageFile.writeTIFF(field.map { Float($0) / 65535 }, to: tmp.file(name("A09"))); expect["A09"] = .done(bits: 32)
        let bits = (0 ..< field.height).map { y in (0 ..< field.width).map { x in field.pixels[y * field.width + x] > 12_000 } }
        try tmp.write(name("A10"), TinyTIFF.bilevel(bits)); expect["A10"] = .done(bits: 8)
        let mayBeEmpty: Set = ["A10"]  // a 0/255 mask is read fine; whether it segments is not the point
        // A truncated PNG under an image name (the format is told by the bytes, not the name).
        try ImageFile.writePNG(field, to: tmp.file("full.png.tmp"))
        let png = try [UInt8](Data(contentsOf: URL(fileURLWithPath: tmp.file("full.png.tmp"))))
        try FileManager.default.removeItem(atPath: tmp.file("full.png.tmp"))
        try tmp.write(name("A11"), Array(png.prefix(png.count / 2))); expect["A11"] = .failed("truncated")
        try tmp.write(name("A12"), Array("Plate P1 notes: nothing to see\n".utf8)); expect["A12"] = .failed("not a TIFF or PNG image")
        // Unreadable: mode 000; as root that only bites when the child runs as nobody.
        try tmp.write(name("B01"), good)
        _ = chmod(tmp.file(name("B01")), 0)
        let prefix = Cellar.dropPrivileges
        expect["B01"] = prefix == nil ? .done(bits: 16) : .failed("Permission denied")
        // A directory named like an image, holding a valid field: entered, not read as a file.
        try tmp.mkdir(name("B02"))
        try syntheticTIFF(well: "B03", at: tmp.file(name("B02") + "/P1_B03_s1_w1.tif")); expect["B03"] = .done(bits: 16)
        // Symlink loops, names with spaces and non-ASCII, a file matching no layout.
        _ = symlink("..", tmp.file("acq/P1/loop"))
        _ = symlink(".", tmp.file("acq/self"))
        try tmp.mkdir("acq/Plätte zwei (run 2)")
        try syntheticTIFF(well: "C01", at: tmp.file("acq/Plätte zwei (run 2)/P2_C01_s1_w1.tif"))
        try tmp.write("acq/P1/P1 B04 s1 w1 ünïcode.tif", good)
        try tmp.write("acq/P1/overview.tif", good)

        let db = tmp.file("db/screen.db")
        try tmp.mkdir("db")
        if let prefix, !prefix.isEmpty { _ = chmod(tmp.file("db"), 0o777) }
        let result = try Cellar.run(["ingest", tmp.file("acq"), "--db", db, "--workers", "2"], prefix: prefix ?? [])
        #expect(!result.timedOut, "cellar ingest hung")
        #expect(result.status == 1, "exit \(result.status)\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("failure(s) recorded"), "\(result.stdout)")
        #expect(result.maxRSSKiB < 1_000_000, "peak RSS \(result.maxRSSKiB) KiB")
        print("bad-input corpus: exit \(result.status), peak RSS \(result.maxRSSKiB / 1024) MiB, prefix \(prefix ?? ["(root, no setpriv)"])")

        let store = try Store.open(at: db, mode: .readOnly)
        let fields = Dictionary(uniqueKeysWithValues: try store.fieldCounts().map { ("\($0.key.plate)_\(wellName($0.key))", $0) })
        let failures = try store.failures()
        for (well, want) in expect.sorted(by: { $0.key < $1.key }) {
            let got = fields["P1_\(well)"]
            switch want {
            case .done(let bits):
                #expect(got?.status == "done", "P1 \(well): \(String(describing: got)); failures \(failures.filter { $0.path.contains(well) })")
                if let got, got.status == "done" {
                    #expect((got.cellCount ?? 0) > 0 || mayBeEmpty.contains(well), "P1 \(well) has no cells")
                    let images = try store.images(of: got.key)
                    #expect(images.first?.bits == bits, "P1 \(well) bits \(String(describing: images.first?.bits))")
                }
            case .failed(let reason):
                #expect(got?.status == "failed", "P1 \(well): \(String(describing: got))")
                let recorded = failures.filter { $0.path.hasSuffix("P1_\(well)_s1_w1.tif") }
                #expect(recorded.count == 1 && recorded.allSatisfy { $0.reason.contains(reason) },
                        "P1 \(well): want \"\(reason)\", got \(recorded.map(\.reason))")
            }
        }
        #expect(fields["P2_C01"]?.status == "done")
        for unmatched in ["P1 B04 s1 w1 ünïcode.tif", "overview.tif"] {
            #expect(failures.contains { $0.path.hasSuffix("/" + unmatched) && $0.reason.contains("matches no layout") },
                    "\(unmatched) not recorded")
        }
        #expect(fields["P1_B02"] == nil, "a directory was read as an image")
        let done = fields.values.filter { $0.status == "done" }.count
        let failedFields = fields.values.filter { $0.status == "failed" }.count
        #expect(done == expect.values.filter { if case .done = $0 { true } else { false } }.count + 1)
        #expect(failedFields == expect.count + 1 - done)

        // `cellar status` says why.
        let status = try Cellar.run(["status", "--db", db, "--format", "json", "--failures", "100"])
        #expect(status.status == 0)
        let document = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect(document?["failures_total"] as? Int == failures.count, "\(status.stdout)")
        #expect(status.stdout.contains("file is empty (0 bytes)") && status.stdout.contains("matches no layout"))
        let integrity = try store.reader.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
        #expect(integrity == "ok")
        for f in failures.sorted(by: { $0.path < $1.path }) { print("  \((f.path as NSString).lastPathComponent): \(f.reason)") }
    }

    /// Files deleted after the scan listed them: recorded as "no such file", never a crash.
    @Test func filesDeletedBetweenScanAndReadAreRecorded() throws {
        let tmp = try TempDir()
        defer { tmp.cleanup() }
        try tmp.mkdir("acq")
        var paths: [String] = []
        for i in 0 ..< 40 {
            let well = "\(["A", "B", "C", "D"][i / 10])\(String(format: "%02d", i % 10 + 1))"
            let path = tmp.file("acq/P1_\(well)_s1_w1.tif")
            try syntheticTIFF(well: well, size: 384, at: path)
            paths.append(path)
        }
        let victims = stride(from: 3, to: 40, by: 4).map { paths[$0] }
        let db = tmp.file("screen.db")
        let result = try Cellar.run(["ingest", tmp.file("acq"), "--db", db, "--workers", "1", "--log-level", "info"]) { line in
            if line.contains("scan:") { for v in victims { unlink(v) } }
        }
        #expect(!result.timedOut)
        let store = try Store.open(at: db, mode: .readOnly)
        let fields = try store.fieldCounts()
        let failures = try store.failures()
        let gone = failures.filter { $0.reason.contains("no such file") }
        #expect(!gone.isEmpty, "no deletion was seen; stderr:\n\(result.stderr)")
        #expect(Set(gone.map(\.path)).isSubset(of: Set(victims)))
        #expect(failures.count == gone.count, "\(failures.map(\.reason))")
        #expect(result.status == (gone.isEmpty ? 0 : 1))
        // Every file is accounted for: stored, or recorded as gone.
        #expect(fields.filter { $0.status == "done" }.count == 40 - gone.count, "\(fields.count) fields, \(gone.count) gone")
        print("deleted after scan: \(victims.count) files, \(gone.count) recorded as missing (the rest were read first)")
    }

    @Test func bilevelTIFFReadsAsZeroAnd255() throws {
        let tmp = try TempDir()
        defer { tmp.cleanup() }
        let bits = (0 ..< 5).map { y in (0 ..< 11).map { x in (x + y) % 3 == 0 } }
        try tmp.write("b.tif", TinyTIFF.bilevel(bits))
        guard case .uint8(let image) = try ImageFile.read(tmp.file("b.tif")) else { Issue.record("not 8-bit"); return }
        #expect(image.width == 11 && image.height == 5)
        #expect(image.pixels == bits.flatMap { $0.map { $0 ? 255 : 0 } })
    }

    func wellName(_ key: FieldKey) -> String {
        String(UnicodeScalar(UInt8(64 + key.row))) + String(format: "%02d", key.column)
    }

    func synthesizeFieldImage(well: String) -> Image<UInt16> {
        synthesizeField(plate: "P1", well: well, site: 1, seed: 7, size: 256).image
    }
}
