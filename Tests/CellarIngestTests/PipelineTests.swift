import CellarStore
import CellarSynth
import CellarUNet
import Foundation
import Testing
@testable import CellarIngest

/// The whole pipeline in-process: synthetic plate → IngestRunner → SQLite.
@Suite("Ingest pipeline", .serialized)
struct PipelineTests {
    /// A small synthetic plate (256² fields, ~15 nuclei each) in `dir/P1`.
    static func plate(in dir: TempDir, wells: Int = 4, sites: Int = 3) async throws -> String {
        var writer = PlateWriter(outputDirectory: dir.path, plate: "P1", wells: selectWells(wells)!.wells,
                                 sites: sites, seed: 7, parameters: SynthParameters(size: 256))
        writer.writeTruth = false
        _ = try await writer.run()
        return dir.path + "/P1"
    }

    static func ingest(_ root: String, db: String, options: IngestOptions = IngestOptions(workers: 2),
                       stopAfter: Int? = nil) async throws -> IngestSummary {
        let store = try Store.open(at: db, mode: .readWrite)
        defer { try? store.close() }
        var settings = IngestSettings()
        settings.settle = .zero
        let runner = IngestRunner(root: root, store: store, settings: settings, options: options)
        return try await runner.run { progress in
            if let stopAfter, progress.fieldsDone >= stopAfter { runner.stop() }
        }
    }

    static func fieldCells(_ db: String) throws -> [String: Int] {
        let store = try Store.open(at: db, mode: .readOnly)
        defer { try? store.close() }
        return Dictionary(uniqueKeysWithValues: try store.fieldCounts().map { ("\($0.key)", $0.cellCount ?? -1) })
    }

    @Test func ingestsEveryFieldWithTheRightKeys() async throws {
        let dir = try TempDir(); defer { dir.cleanup() }
        let root = try await Self.plate(in: dir)
        let summary = try await Self.ingest(root, db: dir.path + "/a.db")
        #expect(summary.progress.fieldsDone == 12)
        #expect(summary.layout == "imagexpress")
        let counts = try Self.fieldCells(dir.path + "/a.db")
        #expect(counts.keys.sorted() == ["P1/A01/1", "P1/A01/2", "P1/A01/3", "P1/A02/1", "P1/A02/2", "P1/A02/3",
                                         "P1/A03/1", "P1/A03/2", "P1/A03/3", "P1/A04/1", "P1/A04/2", "P1/A04/3"])
        #expect(counts.values.allSatisfy { $0 > 0 })
        #expect(counts.values.reduce(0, +) == summary.progress.cells)
    }

    @Test func rerunSkipsUnchangedFieldsAndNewParametersReprocess() async throws {
        let dir = try TempDir(); defer { dir.cleanup() }
        let root = try await Self.plate(in: dir, wells: 2, sites: 2)
        let db = dir.path + "/b.db"
        let first = try await Self.ingest(root, db: db)
        let second = try await Self.ingest(root, db: db)
        #expect(first.progress.fieldsDone == 4)
        #expect(second.progress.fieldsDone == 0 && second.progress.fieldsSkipped == 4)
        var options = IngestOptions(workers: 1)
        options.segmentation.minArea += 5
        let third = try await Self.ingest(root, db: db, options: options)
        #expect(third.progress.fieldsDone == 4)
        let store = try Store.open(at: db, mode: .readOnly)
        defer { try? store.close() }
        #expect(try store.fieldCounts().count == 4)          // replaced, not duplicated
        #expect(try store.runs().filter { $0.fields > 0 }.map(\.id) == [try store.runs().last!.id])
    }

    @Test func stoppedRunResumesToTheSameResult() async throws {
        let dir = try TempDir(); defer { dir.cleanup() }
        let root = try await Self.plate(in: dir, wells: 6, sites: 4)
        let clean = try await Self.ingest(root, db: dir.path + "/clean.db", options: IngestOptions(workers: 1))
        // Stop at the first progress report with a field done (reports come every 0.5 s, so on
        // a fast machine the run may already be complete: the assertions hold either way).
        let stopped = try await Self.ingest(root, db: dir.path + "/resumed.db", options: IngestOptions(workers: 1), stopAfter: 1)
        #expect(stopped.stoppedEarly)
        let resumed = try await Self.ingest(root, db: dir.path + "/resumed.db")
        #expect(resumed.progress.fieldsSkipped == stopped.progress.fieldsDone)
        #expect(resumed.progress.fieldsDone == 24 - stopped.progress.fieldsDone)
        #expect(try Self.fieldCells(dir.path + "/resumed.db") == Self.fieldCells(dir.path + "/clean.db"))
        #expect(clean.progress.fieldsDone == 24)
    }

    @Test func unetMethodSegmentsAndRecordsTheModelHash() async throws {
        let dir = try TempDir(); defer { dir.cleanup() }
        let root = try await Self.plate(in: dir, wells: 1, sites: 2)
        var settings = IngestSettings()
        settings.segmentation.method = .unet
        var options = IngestOptions(workers: 1)
        options.unet = try settings.unetModel()
        let model = try #require(options.unet)
        let db = dir.path + "/u.db"
        let summary = try await Self.ingest(root, db: db, options: options)
        #expect(summary.progress.fieldsDone == 2 && summary.progress.cells > 0)
        let store = try Store.open(at: db, mode: .readOnly)
        defer { try? store.close() }
        let run = try #require(try store.runs().last)
        #expect(run.parametersJSON.contains("\"method\":\"unet\""))
        #expect(run.parametersJSON.contains(model.sha256))
        // The watershed is a different parameter set: the same files are processed again.
        let again = try await Self.ingest(root, db: db)
        #expect(again.progress.fieldsDone == 2)
    }

    @Test func unreadableAndUnmatchedFilesAreRecordedAndTheRestIngested() async throws {
        let dir = try TempDir(); defer { dir.cleanup() }
        let root = try await Self.plate(in: dir, wells: 2, sites: 1)
        dir.write("P1/P1_B01_s1_w1.tif", Array("not an image".utf8))
        dir.write("P1/notes_from_the_operator.tif", Array("hello".utf8))
        let db = dir.path + "/c.db"
        let summary = try await Self.ingest(root, db: db)
        #expect(summary.progress.fieldsDone == 2)
        #expect(summary.progress.fieldsFailed == 1)
        let store = try Store.open(at: db, mode: .readOnly)
        defer { try? store.close() }
        let failures = try store.failures()
        #expect(failures.contains { $0.path.hasSuffix("P1_B01_s1_w1.tif") && $0.reason.contains("not a TIFF or PNG") })
        #expect(failures.contains { $0.path.hasSuffix("notes_from_the_operator.tif") && $0.reason.contains("matches no layout") })
    }
}
