import Foundation
import Testing

/// The built `cellar` as a new user meets it: clear errors, one prefix, the right exit status,
/// nothing left behind by a refused command.
@Suite("Command line", .serialized)
struct CommandLineTests {
    @Test func versionAndOneErrorPrefix() throws {
        let version = try Cellar.run(["--version"])
        #expect(version.status == 0 && !version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        let usage = try Cellar.run(["counts", "--no-such-flag"])
        #expect(usage.status == 64 && usage.stderr.hasPrefix("cellar: error: "), "\(usage.stderr)")
        let lookup = try Cellar.run(["counts", "--db", "/nonexistent/screen.db"])
        #expect(lookup.status != 0 && lookup.stderr.hasPrefix("cellar: error: "), "\(lookup.stderr)")
    }

    @Test func badSettingsCreateNoDatabaseOrLock() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        try tmp.mkdir("acq")
        for arguments in [["--layout", "bogus"], ["--layout", "imagexpress", "--pattern", "(?<well>[A-P]\\d\\d).tif"],
                          ["--pattern", "(?<well>[A-P]\\d\\d"], ["--method", "bogus"]] {
            let r = try Cellar.run(["ingest", tmp.file("acq"), "--db", tmp.file("s.db")] + arguments)
            #expect(r.status != 0, "\(arguments)")
            #expect(!FileManager.default.fileExists(atPath: tmp.file("s.db")), "\(arguments): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: tmp.file("s.db.lock")), "\(arguments)")
        }
        let method = try Cellar.run(["ingest", tmp.file("acq"), "--db", tmp.file("s.db"), "--method", "bogus"])
        #expect(method.stderr.contains("watershed") && method.stderr.contains("unet"))
    }

    @Test func aFolderWithoutImagesSaysSo() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        try tmp.mkdir("acq")
        try tmp.write("acq/notes.txt", Array("hello".utf8))
        let r = try Cellar.run(["ingest", tmp.file("acq"), "--db", tmp.file("s.db"), "--settle", "0"])
        #expect(r.status == 1 && r.stderr.contains("no image files"), "\(r.stderr)")
    }

    @Test func aDatabasePathThatIsAnImageSaysWhatItIs() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        try syntheticTIFF(well: "A01", at: tmp.file("P1_A01_s1_w1.tif"))
        let r = try Cellar.run(["status", "--db", tmp.file("P1_A01_s1_w1.tif")])
        #expect(r.status != 0 && r.stderr.contains("is a TIFF image, not a Cellar database"), "\(r.stderr)")
        #expect(!r.stderr.contains("cellar init"))
    }

    @Test func methodNamesAreCaseInsensitiveAndExportLeavesNoFileOnError() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        try tmp.mkdir("acq/P1")
        try syntheticTIFF(well: "A01", at: tmp.file("acq/P1/P1_A01_s1_w1.tif"))
        let ingest = try Cellar.run(["ingest", tmp.file("acq"), "--db", tmp.file("s.db"), "--settle", "0", "--method", "Watershed"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let export = try Cellar.run(["export", "--db", tmp.file("s.db"), "--plate", "NOPE", "--out", tmp.file("cells.csv")])
        #expect(export.status == 2 && export.stderr.contains("unknown plate 'NOPE'"), "\(export.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("cells.csv")))
        // summary and export take the same --features flag (and --feature).
        for command in ["summary", "export"] {
            let r = try Cellar.run([command, "--db", tmp.file("s.db"), "--features", "Nuclei_AreaShape_Area", "--format", "csv"])
            #expect(r.status == 0 && r.stdout.contains("Nuclei_AreaShape_Area"), "\(command): \(r.stderr)")
        }
        let run = try Cellar.run(["status", "--db", tmp.file("s.db"), "--run", "1"])
        #expect(run.status == 0 && run.stdout.contains("parameters (hash"), "\(run.stderr)")
        let noRun = try Cellar.run(["status", "--db", tmp.file("s.db"), "--run", "9"])
        #expect(noRun.status == 2 && noRun.stderr.contains("no run 9"))
    }
}
