import CellarStore
import Foundation
import Testing
@testable import CellarIngest

/// `--shard`: the documented hash, the environment variables, whole wells in the pipeline.
@Suite("Shards", .serialized)
struct ShardTests {
    @Test func hashIsTheDocumentedOne() {
        // Golden values computed independently in Python (the function in scripts/test-slurm.sh).
        let h = Shard.mix(Shard.fnv1a(Array("P1\u{0}B03".utf8)))
        #expect(h == 0xeaae_b458_c905_ed12)
        #expect(Shard.fnv1a(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)  // FNV-1a 64 test vector
        #expect(Shard.of(plate: "P1", well: "B03", count: 4) == 2)
        #expect([("A01", 1), ("A02", 0), ("P24", 1)].allSatisfy { Shard.of(plate: "P1", well: $0.0, count: 8) == $0.1 })
        // The well is spelled as its label: 0-based row 1, column 2 is B03.
        let shard = try! Shard(index: Int(h % 8), count: 8)
        #expect(shard.owns(plate: "P1", row: 1, column: 2))
    }

    @Test func everyWellOfA384PlateIsInExactlyOneShard() throws {
        let shards = try (0 ..< 8).map { try Shard(index: $0, count: 8) }
        var sizes = [Int](repeating: 0, count: 8)
        for row in 0 ..< 16 {
            for column in 0 ..< 24 {
                let owners = shards.filter { $0.owns(plate: "P1", row: row, column: column) }
                #expect(owners.count == 1)
                if let owner = owners.first { sizes[owner.index] += 1 }
            }
        }
        #expect(sizes.reduce(0, +) == 384)
        #expect(sizes.allSatisfy { $0 > 0 })  // every shard gets work
    }

    @Test func specsAndEnvironments() throws {
        #expect(try Shard.resolve("3/8", environment: [:]).shard == Shard(index: 3, count: 8))
        #expect(throws: ShardError.self) { try Shard.resolve("8/8", environment: [:]) }
        #expect(throws: ShardError.self) { try Shard.resolve("1", environment: [:]) }
        #expect(throws: ShardError.self) { try Shard.resolve("a/b", environment: [:]) }

        let slurm = ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_MAX": "7",
                     "SLURM_ARRAY_TASK_COUNT": "4"]
        let (a, source) = try Shard.resolve("auto", environment: slurm)
        #expect(a == (try Shard(index: 1, count: 4)) && source.contains("SLURM_ARRAY_TASK_ID=5"))
        var noCount = slurm
        noCount["SLURM_ARRAY_TASK_COUNT"] = nil
        #expect(try Shard.resolve("auto", environment: noCount).shard == Shard(index: 1, count: 4))
        // auto/N: the task id itself (0-based), so a task resubmitted alone keeps its slice.
        let single = ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "2", "SLURM_ARRAY_TASK_MAX": "2",
                      "SLURM_ARRAY_TASK_COUNT": "1"]
        #expect(try Shard.resolve("auto/4", environment: single).shard == Shard(index: 2, count: 4))
        #expect(throws: ShardError.self) { try Shard.resolve("auto/4", environment: ["SLURM_ARRAY_TASK_ID": "4"]) }

        #expect(try Shard.resolve("auto/10", environment: ["JOB_COMPLETION_INDEX": "9"]).shard == Shard(index: 9, count: 10))
        #expect(try Shard.resolve("auto/3", environment: ["AWS_BATCH_JOB_ARRAY_INDEX": "0"]).source.contains("AWS_BATCH_JOB_ARRAY_INDEX"))
        #expect(throws: ShardError.self) { try Shard.resolve("auto", environment: ["JOB_COMPLETION_INDEX": "1"]) }
        do {
            _ = try Shard.resolve("auto", environment: ["PATH": "/bin"])
            Issue.record("no array variable must be an error")
        } catch {
            #expect(error.description.contains("SLURM_ARRAY_TASK_ID"))
        }
    }

    @Test func shardsTakeWholeWellsAndTogetherEverything() async throws {
        let dir = try TempDir(); defer { dir.cleanup() }
        let root = try await PipelineTests.plate(in: dir, wells: 6, sites: 2)
        // A file no layout places: recorded by exactly one shard.
        FileManager.default.createFile(atPath: root + "/stray-image.tif", contents: Data([1, 2, 3]))
        let all = try await PipelineTests.ingest(root, db: dir.path + "/all.db")
        let full = try PipelineTests.fieldCells(dir.path + "/all.db")
        var union: [String: Int] = [:]
        var failures = 0
        for index in 0 ..< 3 {
            var options = IngestOptions(workers: 2)
            options.shard = try Shard(index: index, count: 3)
            let db = dir.path + "/s\(index).db"
            let summary = try await PipelineTests.ingest(root, db: db, options: options)
            failures += summary.progress.otherFailures + summary.progress.fieldsFailed
            let cells = try PipelineTests.fieldCells(db)
            #expect(!cells.isEmpty)  // A01…A06 fall in all three shards
            // Whole wells: both sites of each well are here, and each well is this shard's.
            let wells = Set(cells.keys.map { String($0.split(separator: "/")[1]) })
            #expect(cells.count == 2 * wells.count)
            for well in wells { #expect(Shard.of(plate: "P1", well: well, count: 3) == index) }
            #expect(Set(union.keys).isDisjoint(with: cells.keys))
            union.merge(cells) { a, _ in a }
            if index == 0 {
                // A rerun skips what the shard finished.
                let again = try await PipelineTests.ingest(root, db: db, options: options)
                #expect(again.progress.fieldsDone == 0 && again.progress.fieldsSkipped == cells.count)
            }
        }
        #expect(union == full)
        #expect(failures == all.progress.otherFailures && failures == 1)
    }
}
