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

    /// A --dna-channel that the files do not have is named at the start, with the channels found.
    @Test func aDNAChannelTheFilesLackIsNamedWithTheChannelsFound() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        try tmp.mkdir("acq/P1")
        try syntheticTIFF(well: "A01", at: tmp.file("acq/P1/P1_A01_s1_w1.tif"))
        let r = try Cellar.run(["ingest", tmp.file("acq"), "--db", tmp.file("s.db"), "--settle", "0", "--dna-channel", "3"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("plate P1: DNA channel 3 is not among its channels (1): its fields will fail"), "\(r.stderr)")
        #expect(r.stdout.contains("has channel(s) 1 but no DNA image"), "\(r.stdout)")
    }

    /// `cellar status` says, per plate, which channels it stored (numbers in numeric order).
    @Test func statusShowsTheChannelsOfEachPlate() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        try tmp.mkdir("acq/P1")
        for channel in [1, 2, 10] {
            try syntheticTIFF(well: "B03", at: tmp.file("acq/P1/P1_B03_s1_ch\(channel).tif"))
        }
        let ingest = try Cellar.run(["ingest", tmp.file("acq"), "--db", tmp.file("s.db"), "--settle", "0",
                                     "--pattern", "(?<plate>[^_]+)_(?<well>[A-P]\\d\\d)_s(?<site>\\d+)_ch(?<channel>\\d+)\\.tif"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let json = try Cellar.run(["status", "--db", tmp.file("s.db"), "--format", "json"])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let plate = try #require((root["plates"] as? [[String: Any]])?.first)
        #expect(plate["channels"] as? [String] == ["1", "2", "10"])
        let table = try Cellar.run(["status", "--db", tmp.file("s.db")])
        #expect(table.stdout.contains(" 1,2,10"), "\(table.stdout)")
    }
}

/// The exit-status policy (`ExitStatus`), command by command: 0 done, 1 inputs failed,
/// 2 lookup, 3 database, 64 usage.
@Suite("Exit status policy", .serialized)
struct ExitStatusPolicyTests {
    @Test func everyCommandFollowsThePolicy() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        try tmp.mkdir("acq/P1")
        try syntheticTIFF(well: "A01", at: tmp.file("acq/P1/P1_A01_s1_w1.tif"))
        let db = tmp.file("s.db"), missing = tmp.file("missing.db"), image = tmp.file("acq/P1/P1_A01_s1_w1.tif")
        func status(_ arguments: [String]) throws -> Int32 {
            let r = try Cellar.run(arguments)
            if r.status >= 2 { #expect(r.stderr.contains("cellar: error: "), "\(arguments): \(r.stderr)") }
            return r.status
        }
        #expect(try status(["init", db]) == 0)
        #expect(try status(["ingest", tmp.file("acq"), "--db", db, "--settle", "0"]) == 0)
        // 1: done, but an input failed.
        try tmp.write("acq/P1/P1_A02_s1_w1.tif", Array("not an image".utf8))
        #expect(try status(["ingest", tmp.file("acq"), "--db", db, "--settle", "0"]) == 1)
        #expect(try status(["segment", tmp.file("acq/P1/P1_A02_s1_w1.tif")]) == 1)
        // 0, 2 and 3 for every command that reads the database.
        let reads: [(ok: [String], lookup: [String])] = [
            (["status"], ["status", "--run", "99"]),
            (["counts"], ["counts", "--plate", "NOPE"]),
            (["summary", "--features", "Nuclei_AreaShape_Area"], ["summary", "--features", "Nuclei_AreaShape_Nope"]),
            (["export", "--out", tmp.file("c.csv")], ["export", "--plate", "NOPE", "--out", tmp.file("d.csv")]),
            (["query", "per_well_counts"], ["query", "no_such_query"]),
            (["heatmap", "--plate", "P1", "--out", tmp.file("h.png")], ["heatmap", "--plate", "NOPE", "--out", tmp.file("h2.png")]),
            (["masks", "--field", "P1/A01/1", "--out", tmp.file("m.png")], ["masks", "--field", "P1/H12/1", "--out", tmp.file("m2.png")]),
        ]
        for (ok, lookup) in reads {
            #expect(try status(ok + ["--db", db]) == 0, "\(ok)")
            #expect(try status(lookup + ["--db", db]) == 2, "\(lookup)")
            #expect(try status([ok[0], "--db", missing] + ok.dropFirst()) == 3, "\(ok[0]) on a missing database")
            #expect(try status([ok[0], "--db", image] + ok.dropFirst()) == 3, "\(ok[0]) on an image")
        }
        #expect(try status(["ingest", tmp.file("acq"), "--db", image, "--settle", "0"]) == 3)
        #expect(try status(["init", image]) == 3)
        // 64: usage, for every command.
        for command in ["init", "ingest", "watch", "status", "counts", "summary", "export", "query", "heatmap",
                        "masks", "segment", "evaluate", "synth", "bench"] {
            #expect(try status([command, "--no-such-flag"]) == 64, "\(command)")
        }
        #expect(try status(["ingest", tmp.file("acq"), "--db", db, "--layout", "bogus"]) == 64)
    }
}
