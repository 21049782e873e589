import CellarImage
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a raw image reaches its final name.
public enum WriteMode: String, Sendable, CaseIterable, Codable {
    /// Write `.NAME.tmp` in the same directory, then `rename(2)` it: a watcher
    /// only ever sees complete files.
    case rename
    /// Write the final file slowly in several chunks with pauses, the way a
    /// microscope streams over a network share: a watcher sees partial files
    /// and must wait for them to settle.
    case inPlace = "inplace"
    /// Alternate: even fields (in plate order) by rename, odd ones in place.
    case mixed
}

/// A failure writing a synthetic plate, naming the file and what to do.
public struct PlateWriteError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "cannot write \(path): \(reason)" }
}

/// One field written by ``PlateWriter``.
public struct WrittenField: Sendable {
    /// Position of the field in the plate's well-major order (0-based).
    public var index: Int
    public var field: PlateField
    /// Absolute paths.
    public var imagePath: String
    public var truthPath: String?
    public var nucleusCount: Int
    /// Seconds spent synthesising this field.
    public var generationSeconds: Double
}

/// What ``PlateWriter/run(progress:)`` did.
public struct PlateWriteSummary: Sendable {
    public var fields: Int
    public var nuclei: Int
    /// Wall-clock seconds for the whole plate.
    public var seconds: Double
    /// Summed per-field synthesis time (CPU seconds across workers).
    public var generationSeconds: Double
    public var imageDirectory: String
    public var truthDirectory: String?
}

/// Writes a synthetic plate as ImageXpress-style TIFFs:
/// `OUT/P1/P1_B03_s2_w1.TIF` (16-bit raw) and, with `truth`,
/// `OUT/P1_groundtruth/P1_B03_s2_w1.TIF` (16-bit labels, written before the raw image).
///
/// Fields are synthesised by `workers` parallel tasks (worker k takes fields
/// k, k + workers, …); every file depends only on (seed, plate, well, site), so
/// the output is identical for any worker count. With `rate`, field i is not
/// written before `start + i / rate` seconds, like a microscope acquiring.
public struct PlateWriter: Sendable {
    public var outputDirectory: String
    public var plate: String
    public var wells: [String]
    public var sites: Int
    public var seed: UInt64
    public var parameters: SynthParameters
    public var writeTruth: Bool = true
    /// Fields per second; nil writes as fast as possible.
    public var rate: Double? = nil
    public var mode: WriteMode = .rename
    public var workers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
    public var compression: TIFFCompression = .none
    /// For `.inPlace`: number of chunks and total time spent writing one image.
    public var inPlaceChunks: Int = 8
    public var inPlaceDuration: Duration = .milliseconds(80)
    /// Write `OUT/PLATE_manifest.json` with the parameters and nuclei per field.
    public var writeManifest: Bool = true

    public init(outputDirectory: String, plate: String, wells: [String], sites: Int, seed: UInt64,
                parameters: SynthParameters = SynthParameters())
    {
        self.outputDirectory = outputDirectory
        self.plate = plate
        self.wells = wells
        self.sites = sites
        self.seed = seed
        self.parameters = parameters
    }

    /// The fields this writer produces, in order.
    public var fields: [PlateField] { PlateField.fields(plate: plate, wells: wells, sites: sites) }
    public var imageDirectory: String { outputDirectory + "/" + plate }
    public var truthDirectory: String { outputDirectory + "/" + plate + "_groundtruth" }
    public var manifestPath: String { outputDirectory + "/" + plate + "_manifest.json" }

    /// `OUT/cellar.toml` saying `ignore = ["*_groundtruth/*"]`, so that `cellar ingest OUT`
    /// takes the images and leaves the truth labels (which carry the same names) alone. An
    /// existing `cellar.toml` is kept as it is.
    public var settingsPath: String { outputDirectory + "/cellar.toml" }

    func writeIgnoreRule() throws {
        guard !FileManager.default.fileExists(atPath: settingsPath) else { return }
        let text = """
            # Written by `cellar synth`: the truth labels in *_groundtruth/ are named like the
            # images, so ingest leaves them alone.
            ignore = ["*_groundtruth/*"]

            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: settingsPath))
    }

    /// Generates and writes every field; `progress` is called (from worker tasks)
    /// after each field's files are in place. O(fields × size²).
    public func run(progress: (@Sendable (WrittenField) -> Void)? = nil) async throws -> PlateWriteSummary {
        try makeDirectory(imageDirectory)
        if writeTruth {
            try makeDirectory(truthDirectory)
            try writeIgnoreRule()
        }
        let fields = self.fields
        let start = ContinuousClock.now
        let workerCount = max(1, min(workers, fields.count))
        var counts = [Int](repeating: 0, count: fields.count), generation = 0.0
        try await withThrowingTaskGroup(of: ([(Int, Int)], Double).self) { group in
            for w in 0..<workerCount {
                group.addTask {
                    var synth = FieldSynthesizer(parameters: parameters)
                    var done: [(Int, Int)] = [], gen = 0.0
                    for i in stride(from: w, to: fields.count, by: workerCount) {
                        try Task.checkCancellation()
                        let t0 = ContinuousClock.now
                        let f = synth.synthesize(fields[i], seed: seed)
                        let dt = seconds(ContinuousClock.now - t0)
                        if let rate, rate > 0 {
                            try await Task.sleep(until: start + .seconds(Double(i) / rate), clock: .continuous)
                        }
                        let written = try await write(f, field: fields[i], index: i)
                        done.append((i, f.nucleusCount))
                        gen += dt
                        progress?(WrittenField(index: i, field: fields[i], imagePath: written.image,
                                               truthPath: written.truth, nucleusCount: f.nucleusCount,
                                               generationSeconds: dt))
                    }
                    return (done, gen)
                }
            }
            for try await (done, g) in group {
                for (i, n) in done { counts[i] = n }
                generation += g
            }
        }
        if writeManifest { try saveManifest(fields: fields, counts: counts) }
        return PlateWriteSummary(
            fields: fields.count, nuclei: counts.reduce(0, +), seconds: seconds(ContinuousClock.now - start),
            generationSeconds: generation, imageDirectory: imageDirectory,
            truthDirectory: writeTruth ? truthDirectory : nil)
    }

    /// `OUT/PLATE_manifest.json`: generator, seed, parameters and nuclei per field
    /// (the ground-truth counts, without reading the label images).
    private func saveManifest(fields: [PlateField], counts: [Int]) throws {
        struct Entry: Codable { var image: String; var truth: String?; var well: String; var site: Int; var nuclei: Int }
        struct Manifest: Codable {
            var generator = "cellar synth", plate: String, seed: UInt64, size: Int
            var parameters: SynthParameters, fields: [Entry]
        }
        let manifest = Manifest(
            plate: plate, seed: seed, size: parameters.size, parameters: parameters,
            fields: zip(fields, counts).map { f, n in
                Entry(image: f.imagePath, truth: writeTruth ? f.truthPath : nil, well: f.well, site: f.site, nuclei: n)
            })
        let path = manifestPath
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(manifest).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw PlateWriteError(path: path, reason: "\(error)")
        }
    }

    /// Writes one field's truth (atomically) and raw image (per `mode`).
    private func write(_ f: SyntheticField, field: PlateField, index: Int) async throws
        -> (image: String, truth: String?)
    {
        var truth: String?
        if writeTruth {
            let path = outputDirectory + "/" + field.truthPath
            try writeAtomically(f.labels, to: path)
            truth = path
        }
        let path = outputDirectory + "/" + field.imagePath
        switch mode {
        case .rename: try writeAtomically(f.image, to: path)
        case .inPlace: try await writeSlowly(f.image, to: path)
        case .mixed where index % 2 == 0: try writeAtomically(f.image, to: path)
        case .mixed: try await writeSlowly(f.image, to: path)
        }
        return (path, truth)
    }

    private func writeAtomically(_ image: Image<UInt16>, to path: String) throws {
        let tmp = hiddenTemporaryName(for: path)
        do {
            try ImageFile.writeTIFF(image, to: tmp, compression: compression)
        } catch {
            unlink(tmp)
            throw PlateWriteError(path: path, reason: "\(error)")
        }
        if rename(tmp, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw PlateWriteError(path: path, reason: "rename failed: \(reason)")
        }
    }

    /// Encodes to a private temporary file outside the output tree, reads the bytes
    /// back, then writes them to `path` in `inPlaceChunks` chunks with pauses.
    private func writeSlowly(_ image: Image<UInt16>, to path: String) async throws {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("cellar-synth-\(getpid())-\(String(stableHash(path), radix: 16)).tif").path
        defer { unlink(scratch) }
        let bytes: Data
        do {
            try ImageFile.writeTIFF(image, to: scratch, compression: compression)
            bytes = try Data(contentsOf: URL(fileURLWithPath: scratch))
        } catch {
            throw PlateWriteError(path: path, reason: "encoding failed: \(error)")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd < 0 { throw PlateWriteError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let chunks = max(1, inPlaceChunks)
        let chunkSize = (bytes.count + chunks - 1) / chunks
        let pause = inPlaceDuration / chunks
        var offset = 0
        while offset < bytes.count {
            let n = min(chunkSize, bytes.count - offset)
            let ok = bytes.withUnsafeBytes { raw -> Bool in
                var done = 0
                while done < n {
                    let r = posixWrite(fd, raw.baseAddress! + offset + done, n - done)
                    if r <= 0 { return false }
                    done += r
                }
                return true
            }
            if !ok { throw PlateWriteError(path: path, reason: String(cString: strerror(errno))) }
            offset += n
            if offset < bytes.count { try await Task.sleep(for: pause) }
        }
    }

    private func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw PlateWriteError(path: path, reason: "cannot create directory (\(error.localizedDescription))")
        }
    }
}

private func seconds(_ d: Duration) -> Double { d.seconds }

/// `dir/.NAME.tmp` for `dir/NAME`: hidden, same directory (so rename is atomic).
public func hiddenTemporaryName(for path: String) -> String {
    let url = URL(fileURLWithPath: path)
    return url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".tmp").path
}

@inline(__always)
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    write(fd, p, n)
}
