import Foundation
import Testing
@testable import CellarIngest

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ScannerTests {
    @Test func scanSortsSkipsAndReportsEverything() throws {
        let t = try TempDir()
        defer { t.cleanup() }
        try t.mkdir("Plate2/TimePoint_1")
        try t.mkdir("Plate1")
        try t.mkdir(".hidden")
        try t.mkdir("Plate1/B02_s1_w1.tif")  // a directory named like an image
        let b = try tiffBytes()
        t.write("Plate2/TimePoint_1/P2_A01_s1_w1.tif", b)
        t.write("Plate1/P1_A02_s1_w2.tif", b)
        t.write("Plate1/P1_A02_s1_w1.tif", b)
        t.write("Plate1/P1_A01_s1_w1.tif", b)
        t.write("Plate1/B02_s1_w1.tif/inner_C03_s1_w1.tif", b)
        t.write("Plate1/.DS_Store", [1])
        t.write(".hidden/P9_A01_s1_w1.tif", b)
        t.write("Plate1/P1_A03_s1_w1.tif.part", b)
        t.write("Plate1/P1_A03_s1_w1.tmp", b)
        t.write("Plate1/P1_A03_s1_w1.tif~", b)
        t.write("Plate1/P1_A03_s1_w1_thumb1234.tif", b)
        t.write("Plate1/overview.tif", b)         // an image no layout knows
        t.write("Plate1/Plate1.HTD", [1, 2, 3])   // metadata

        let scan = Scanner(root: t.path, layout: .imageXpress).scan()
        #expect(scan.matched.map(\.file.relativePath) == [
            "Plate1/B02_s1_w1.tif/inner_C03_s1_w1.tif",
            "Plate1/P1_A01_s1_w1.tif", "Plate1/P1_A02_s1_w1.tif", "Plate1/P1_A02_s1_w2.tif",
            "Plate2/TimePoint_1/P2_A01_s1_w1.tif",
        ])
        #expect(scan.unmatched == ["Plate1/overview.tif"])
        #expect(scan.otherFiles == ["Plate1/Plate1.HTD"])
        #expect(scan.skipped == 6)
        #expect(scan.errors.isEmpty)
        let first = scan.matched[1]
        #expect(first.key.plate == "P1" && first.key.wellName == "A01")
        #expect(first.file.size == Int64(b.count))
        #expect(first.file.path == t.path + "/Plate1/P1_A01_s1_w1.tif")
        #expect(scan.matched[4].key.timepoint == 1)
        // Deterministic: a second scan gives the same list and fingerprints.
        let again = Scanner(root: t.path, layout: .imageXpress).scan()
        #expect(again.matched.map(\.file) == scan.matched.map(\.file))
    }

    @Test func symlinkLoopDoesNotHang() throws {
        let t = try TempDir()
        defer { t.cleanup() }
        try t.mkdir("P/sub")
        t.write("P/sub/P_A01_s1_w1.tif", try tiffBytes())
        #expect(symlink(t.path + "/P", t.path + "/P/sub/loop") == 0)      // link to an ancestor
        #expect(symlink("self", t.path + "/P/self") == 0)                  // link to itself (ELOOP)
        #expect(symlink(t.path + "/P/sub/P_A01_s1_w1.tif", t.path + "/P/P_A02_s1_w1.tif") == 0)
        let scan = Scanner(root: t.path, layout: .imageXpress).scan()
        #expect(scan.matched.map(\.file.relativePath) == ["P/P_A02_s1_w1.tif", "P/sub/P_A01_s1_w1.tif"])
        #expect(scan.repeatedDirectories == ["P/sub/loop"])
        #expect(scan.errors.count == 1)  // the self-link: ELOOP, reported
    }

    @Test func fingerprintChangesWithContentAndReplacement() throws {
        let t = try TempDir()
        defer { t.cleanup() }
        t.write("a.tif", [1, 2, 3])
        let fp = try #require(Fingerprint(ofFileAt: t.path + "/a.tif"))
        #expect(Fingerprint(fp.description) == fp)
        #expect(!Settle.isStillChanging(t.path + "/a.tif", since: fp, window: .zero))
        t.write("a.tif", [1, 2, 3, 4])
        #expect(Settle.isStillChanging(t.path + "/a.tif", since: fp, window: .zero))
        let fp2 = try #require(Fingerprint(ofFileAt: t.path + "/a.tif"))
        t.writeThenRename("a.tif", [1, 2, 3, 4])
        #expect(Fingerprint(ofFileAt: t.path + "/a.tif")?.inode != fp2.inode)
        #expect(!Settle.isStillChanging(t.path + "/gone.tif", since: fp))
    }

    @Test func settleTrackerNeedsTwoEqualObservations() throws {
        var tracker = SettleTracker(settle: .seconds(2))
        let t0 = ContinuousClock.now
        let f = ScannedFile(path: "/x/a.tif", relativePath: "a.tif",
                            fingerprint: Fingerprint(size: 10, mtimeNanoseconds: 1, inode: 5))
        tracker.observe(f, at: t0)
        #expect(tracker.ready(at: t0 + .seconds(1)) { _ in f.fingerprint }.isEmpty)
        // Grew meanwhile: clock restarts.
        let grown = Fingerprint(size: 20, mtimeNanoseconds: 2, inode: 5)
        #expect(tracker.ready(at: t0 + .seconds(2)) { _ in grown }.isEmpty)
        #expect(tracker.ready(at: t0 + .seconds(3)) { _ in grown }.isEmpty)
        let ready = tracker.ready(at: t0 + .seconds(4)) { _ in grown }
        #expect(ready.map(\.fingerprint) == [grown])
        #expect(tracker.isEmpty)
        tracker.observe(f, at: t0)
        #expect(tracker.ready(at: t0 + .seconds(5)) { _ in nil }.isEmpty)  // vanished
        #expect(tracker.isEmpty)
    }
}
