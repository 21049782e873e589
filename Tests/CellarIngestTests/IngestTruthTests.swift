import CellarImage
import CellarStore
import CellarSynth
import Foundation
import Testing
@testable import CellarIngest

/// Regressions of "Ingest tells the truth": ways the database could end up holding something
/// other than what the user asked for, with no error. Each test failed before its fix.
@Suite("Ingest tells the truth", .serialized)
struct IngestTruthTests {
    /// A synthetic plate of 256² fields in `dir/P1` (and its truth in `dir/P1_groundtruth`).
    static func plate(in dir: TempDir, wells: Int = 2, sites: Int = 2, truth: Bool = false) async throws -> String {
        var writer = PlateWriter(outputDirectory: dir.path, plate: "P1", wells: selectWells(wells)!.wells,
                                 sites: sites, seed: 11, parameters: SynthParameters(size: 256))
        writer.writeTruth = truth
        writer.writeManifest = false
        _ = try await writer.run()
        return dir.path + "/P1"
    }

    static func ingest(_ root: String, db: String, settings: IngestSettings = IngestSettings(),
                       options: IngestOptions = IngestOptions(workers: 2)) async throws -> IngestSummary {
        let store = try Store.open(at: db, mode: .readWrite)
        defer { try? store.close() }
        var settings = settings
        settings.settle = .zero
        return try await IngestRunner(root: root, store: store, settings: settings, options: options).run()
    }

    static func read<T>(_ db: String, _ body: (Store) throws -> T) throws -> T {
        let store = try Store.open(at: db, mode: .readOnly)
        defer { try? store.close() }
        return try body(store)
    }

    /// Copies every `_w1` image of `root` to channel `channel`, with pixels from `make`.
    static func addChannel(_ channel: Int, in root: String, make: (Image<UInt16>) -> Image<UInt16>) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: root) where name.hasSuffix("_w1.TIF") {
            guard case .uint16(let image) = try ImageFile.read(root + "/" + name) else { Issue.record("not 16-bit"); return }
            try ImageFile.writeTIFF(make(image), to: root + "/" + name.replacingOccurrences(of: "_w1.TIF", with: "_w\(channel).TIF"))
        }
    }

    // 1. Two files for one field and channel: neither is used, the field fails naming both.
    @Test func twoFilesForOneFieldAndChannelFailTheFieldNamingBoth() async throws {
        let dir = try TempDir(); defer { dir.cleanup() }
        _ = try await Self.plate(in: dir, truth: true)          // P1/ and P1_groundtruth/, same names
        let db = dir.path + "/dup.db"
        let summary = try await Self.ingest(dir.path, db: db)
        #expect(summary.progress.fieldsDone == 0)
        #expect(summary.progress.fieldsFailed == 4)
        let (counts, failures) = try Self.read(db) { (try $0.fieldCounts(), try $0.failures()) }
        #expect(counts.count == 4 && counts.allSatisfy { $0.status == "failed" && $0.cellCount == nil })
        #expect(failures.count == 4 && failures.allSatisfy { $0.kind == .duplicate })
        for f in failures {
            #expect(f.reason.contains("/P1/P1_") && f.reason.contains("/P1_groundtruth/P1_"), "\(f.reason)")
            #expect(f.reason.contains("ignore"))
        }

        // The ignore rule resolves it: the images alone, exactly as in a folder without truth.
        var settings = IngestSettings()
        settings.ignore = ["*_groundtruth/*"]
        let fixed = try await Self.ingest(dir.path, db: db, settings: settings)
        #expect(fixed.progress.fieldsDone == 4 && fixed.progress.fieldsFailed == 0)
        let clean = try TempDir(); defer { clean.cleanup() }
        let alone = try await Self.ingest(try await Self.plate(in: clean), db: clean.path + "/clean.db")
        #expect(fixed.progress.cells == alone.progress.cells)
    }

    @Test func aConflictArrivingAfterTheFieldWasHandedOnIsReported() {
        var a = FieldAssembler(channels: ["1"], grace: .seconds(30))
        let now = ContinuousClock.now
        func file(_ path: String) -> ScannedFile {
            ScannedFile(path: path, relativePath: String(path.dropFirst(3)),
                        fingerprint: Fingerprint(size: 10, mtimeNanoseconds: 1, inode: UInt64(path.count)))
        }
        let key = Layout.imageXpress.key(for: "P_A01_s1_w1.tif")!
        #expect(a.add(file("/r/P/P_A01_s1_w1.tif"), key: key, at: now).count == 1)
        #expect(a.add(file("/r/P_groundtruth/P_A01_s1_w1.tif"), key: key, at: now).isEmpty)
        let conflicts = a.takeConflicts()
        #expect(conflicts.map(\.paths) == [["/r/P/P_A01_s1_w1.tif", "/r/P_groundtruth/P_A01_s1_w1.tif"]])
        // Neither file hands the field on again, even rewritten.
        var rewritten = file("/r/P/P_A01_s1_w1.tif")
        rewritten.fingerprint = Fingerprint(size: 99, mtimeNanoseconds: 2, inode: 1)
        #expect(a.add(rewritten, key: key, at: now).isEmpty)
        #expect(a.tick(at: now + .seconds(60)).isEmpty)
    }

    @Test func aDuplicateFailureIsNotOverwrittenByAResultSubmittedLater() async throws {
        let dir = try TempDir(); defer { dir.cleanup() }
        let store = try Store.open(at: dir.path + "/w.db", mode: .readWrite)
        defer { try? store.close() }
        let writer = try store.makeWriter(run: RunInfo(version: "test", parametersJSON: "{}", parametersHash: "h"))
        let key = FieldKey(plate: "P", row: 1, column: 1, site: 1)
        try await writer.submit(failure: FailureRecord(path: "/a", reason: "two files", kind: .duplicate, field: key))
        let stored = try await writer.submit(IngestedField(key: key, images: [], cellCount: 0, featureColumns: [],
                                                           values: [], masks: StoredMasks()))
        #expect(!stored)
        _ = try await writer.finish()
        #expect(try store.fieldCounts().map(\.status) == ["failed"])
    }

    // 2. Changing the DNA channel (or anything else that changes results) re-processes.
    @Test func changingTheDNAChannelReprocessesTheFields() async throws {
        let dir = try TempDir(); defer { dir.cleanup() }
        let root = try await Self.plate(in: dir)
        try Self.addChannel(2, in: root) { Image(width: $0.width, height: $0.height, pixels: [UInt16](repeating: 0, count: $0.count)) }
        let db = dir.path + "/dna.db"
        var settings = IngestSettings()
        settings.dnaChannel = "1"
        let first = try await Self.ingest(root, db: db, settings: settings)
        #expect(first.progress.fieldsDone == 4 && first.progress.cells > 0)
        settings.dnaChannel = "2"
        let second = try await Self.ingest(root, db: db, settings: settings)
        #expect(second.progress.fieldsSkipped == 0 && second.progress.fieldsDone == 4)
        #expect(second.progress.cells == 0)                     // channel 2 is blank
        // The same settings again: unchanged, skipped.
        let third = try await Self.ingest(root, db: db, settings: settings)
        #expect(third.progress.fieldsSkipped == 4)
        let json = try #require(try Self.read(db) { try $0.runs().last?.parametersJSON })
        #expect(json.contains("\"dnaChannel\":\"2\""))
    }

    @Test func defaultSettingsKeepTheHashOfEarlierVersions() {
        // Runs stored before the acquisition settings joined the parameters must still match.
        let json = IngestOptions().parametersJSON()
        #expect(!json.contains("dnaChannel") && !json.contains("channels") && !json.contains("layout") && !json.contains("rgb"))
        var s = IngestSettings()
        for change in [{ (s: inout IngestSettings) in s.channels = ["1"] }, { $0.layout = "imagexpress" },
                       { $0.pattern = "(?<well>.+)" }, { $0.rgb = .blue }, { $0.plateFormat = .wells384 }] {
            change(&s)
            #expect(IngestOptions().parametersHash(settings: s) != IngestOptions().parametersHash())
            s = IngestSettings()
        }
    }

    // 3. A subset of channels: each field assembled once, from exactly those channels.
    @Test func aSubsetOfChannelsAssemblesEachFieldOnceFromThoseChannels() async throws {
        let dir = try TempDir(); defer { dir.cleanup() }
        let root = try await Self.plate(in: dir)
        try Self.addChannel(2, in: root) { $0 }
        try Self.addChannel(3, in: root) { $0 }
        let db = dir.path + "/sub.db"
        var settings = IngestSettings()
        settings.dnaChannel = "1"
        settings.channels = ["1"]
        let summary = try await Self.ingest(root, db: db, settings: settings)
        #expect(summary.progress.fieldsDone == 4)
        let (counts, columns, channels) = try Self.read(db) { store in
            (try store.fieldCounts(), try store.featureColumns(),
             try store.fieldCounts().flatMap { try store.images(of: $0.key).map(\.channel) })
        }
        #expect(counts.count == 4)
        #expect(counts.compactMap(\.cellCount).reduce(0, +) == summary.progress.cells)
        #expect(Set(channels) == ["1"] && channels.count == 4)
        #expect(!columns.contains { $0.hasSuffix("_Ch2") || $0.hasSuffix("_Ch3") })
    }

    // 4. A run keeps what it produced when a later run supersedes it.
    @Test func aSupersededRunKeepsWhatItProduced() async throws {
        let dir = try TempDir(); defer { dir.cleanup() }
        let root = try await Self.plate(in: dir)
        let db = dir.path + "/hist.db"
        let first = try await Self.ingest(root, db: db)
        var options = IngestOptions(workers: 2)
        options.segmentation.minArea += 40
        let second = try await Self.ingest(root, db: db, options: options)
        let runs = try Self.read(db) { try $0.runs() }
        #expect(runs.count == 2)
        #expect(runs[0].fieldsStored == 4 && runs[0].cellsStored == first.progress.cells && runs[0].fields == 0)
        #expect(runs[1].fieldsStored == 4 && runs[1].cellsStored == second.progress.cells && runs[1].fields == 4)
        #expect(first.progress.cells != second.progress.cells)
    }

    // 5. Colour DNA images: reduced as `rgb` says (default: the largest of R, G, B).
    @Test func aColourDNAImageIsReducedAsAskedNotReadAsItsRedChannel() async throws {
        let dir = try TempDir(); defer { dir.cleanup() }
        let root = try await Self.plate(in: dir, wells: 1, sites: 2)
        let gray = try TempDir(); defer { gray.cleanup() }
        try FileManager.default.createDirectory(atPath: gray.path + "/P1", withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: root) {
            guard case .uint16(let image) = try ImageFile.read(root + "/" + name) else { continue }
            let peak = Double(image.pixels.max() ?? 1)
            let bytes = image.pixels.map { UInt8((Double($0) / peak * 255).rounded()) }
            var rgb = [UInt8](repeating: 0, count: bytes.count * 3)
            for i in bytes.indices { rgb[3 * i + 2] = bytes[i] }      // nuclei in blue
            try ImageFile.writeTIFFRGB(rgb, width: image.width, height: image.height, to: root + "/" + name)
            try ImageFile.writeTIFF(Image(width: image.width, height: image.height, pixels: bytes), to: gray.path + "/P1/" + name)
        }
        let asGray = try await Self.ingest(gray.path + "/P1", db: dir.path + "/gray.db")
        let byDefault = try await Self.ingest(root, db: dir.path + "/max.db")
        #expect(byDefault.progress.cells > 0 && byDefault.progress.cells == asGray.progress.cells)
        var settings = IngestSettings()
        settings.rgb = .red
        let red = try await Self.ingest(root, db: dir.path + "/red.db", settings: settings)
        #expect(red.progress.fieldsDone == 2 && red.progress.cells == 0)
        settings.rgb = .blue
        let blue = try await Self.ingest(root, db: dir.path + "/blue.db", settings: settings)
        #expect(blue.progress.cells == asGray.progress.cells)
    }
}

/// No needless settle wait: stored and old files are taken at once.
@Suite struct SettleWaitTests {
    @Test func onlyYoungUnstoredFilesWaitToSettle() {
        let now = Date()
        func file(ageSeconds: Double) -> (file: ScannedFile, key: FileKey) {
            let ns = Int64((now.timeIntervalSince1970 - ageSeconds) * 1e9)
            let name = "P_A01_s1_w1.tif"
            return (ScannedFile(path: "/r/" + name, relativePath: name,
                                fingerprint: Fingerprint(size: 10, mtimeNanoseconds: ns, inode: 1)),
                    Layout.imageXpress.key(for: name)!)
        }
        let old = file(ageSeconds: 3600), young = file(ageSeconds: 1)
        let none: (FileKey, Fingerprint) -> Bool = { _, _ in false }
        #expect(!AcquisitionSource.mustSettle([old], oneShot: true, now: now, isStored: none))
        #expect(AcquisitionSource.mustSettle([old], oneShot: false, now: now, isStored: none))   // watch: observe
        #expect(AcquisitionSource.mustSettle([old, young], oneShot: true, now: now, isStored: none))
        #expect(!AcquisitionSource.mustSettle([young], oneShot: false, now: now, isStored: { _, fp in fp == young.file.fingerprint }))
    }
}
