import CellarImage
import CellarMeasure
import CellarSegment
import CellarUNet
import CellarStore
import Foundation

/// Milliseconds per stage of processing one field.
public struct StageTimes: Sendable, Hashable {
    public var read = 0.0
    public var segmentation = StageTimings()
    public var measure = 0.0
    public var write = 0.0

    public init() {}

    public static func += (a: inout StageTimes, b: StageTimes) {
        a.read += b.read; a.segmentation += b.segmentation; a.measure += b.measure; a.write += b.write
    }

    /// `read 0.35  blur 1.20 … measure 1.9  write 0.8 ms` per field, over `fields` fields.
    public func summary(fields: Int) -> String {
        let n = Double(max(fields, 1))
        let seg = segmentation.divided(by: n)
        var parts = [("read", read / n)]
        parts += seg.stages.map { ($0.name, $0.ms) }
        parts += [("measure+encode", measure / n), ("write", write / n)]
        let total = parts.reduce(0) { $0 + $1.1 }
        return parts.map { "\($0.0) \(String(format: "%.2f", $0.1))" }.joined(separator: "  ")
            + String(format: "  total %.2f ms/field", total)
    }
}

/// What a worker noticed about a field's DNA image, for the operator (see `RunStats.notes`).
struct FieldLook: Sendable {
    var dnaPath: String
    /// The file holds colour (3 or more samples per pixel), reduced by `--rgb`.
    var colourDNA = false
    /// Every pixel has the same value (`dnaMaximum`).
    var blankDNA = false
    var dnaMaximum = 0.0
}

/// What a worker made of a field.
enum FieldOutcome: Sendable {
    case done(IngestedField, StageTimes, FieldLook)
    case failed(FailureRecord)
    /// A file is still being written: the watcher will report it again.
    case deferred(String)
}

/// One worker's tools: a segmenter and a measurer with their scratch buffers,
/// reused for every field the worker takes. Not thread-safe; one per worker.
final class FieldProcessor {
    private let segmenter: any Segmenter
    private let measurer = Measurer(objectName: "Nuclei")
    private var labels = Image<UInt32>(width: 0, height: 0)
    private let profile: Bool
    private let settle: Double
    private let rgb: RGBConversion

    init(recipe: SegmenterRecipe, profile: Bool, settle: Double, rgb: RGBConversion = .max) {
        self.rgb = rgb
        segmenter = recipe.makeSegmenter(profiling: profile)
        self.profile = profile
        self.settle = settle
    }

    /// Reads every channel, segments the DNA channel, measures all channels,
    /// encodes masks. O(pixels) per channel.
    func process(_ field: AssembledField, key: FieldKey) -> FieldOutcome {
        var times = StageTimes()
        let started = ContinuousClock.now
        var channels: [Channel] = []
        var records: [ImageRecord] = []
        var dna: AnyImage?
        var look = FieldLook(dnaPath: field.dnaImage.path)
        for channel in field.channels {
            let file = field.images[channel]!
            let image: AnyImage
            var samples = 1
            do {
                image = try readSettled(file, samples: &samples)
            } catch {
                if error.mayBeIncomplete, Settle.isStillChanging(file.path, since: file.fingerprint, window: .seconds(0.2)) {
                    return .deferred(file.path)
                }
                return .failed(FailureRecord(path: file.path, reason: error.reason, field: key,
                                             images: field.images.map { Self.record($0.key, $0.value, image: nil) }))
            }
            records.append(Self.record(channel, file, image: image))
            if channel == field.dnaChannel {
                dna = image
                look.colourDNA = samples >= 3
                channels.insert(Channel(name: "DNA", image: image), at: 0)
            } else {
                channels.append(Channel(name: Self.featureName(of: channel), image: image))
            }
        }
        guard let dna else {
            return .failed(FailureRecord(path: field.images.values.first?.path ?? "\(key)", reason: "field has no DNA channel", field: key))
        }
        if let mismatch = channels.first(where: { $0.width != dna.width || $0.height != dna.height }) {
            return .failed(FailureRecord(path: field.dnaImage.path,
                                         reason: "channel \(mismatch.name) is \(mismatch.width)×\(mismatch.height) but DNA is \(dna.width)×\(dna.height)",
                                         field: key, images: records))
        }
        times.read = started.millisecondsElapsed
        segmenter.segment(dna, into: &labels)
        if profile { times.segmentation = segmenter.lastStages }
        let measureStart = ContinuousClock.now
        let measured: FieldMeasurements
        do {
            measured = try measurer.measure(labels: labels, channels: channels)
        } catch {
            return .failed(FailureRecord(path: field.dnaImage.path, reason: "measurement failed: \(error)", field: key, images: records))
        }
        times.measure = measureStart.millisecondsElapsed
        let table = measured.table, masks = measured.masks
        if table.rowCount == 0 {
            // Only an empty field can come from a blank image: no extra pass over the others.
            let (lo, hi) = dna.range
            look.blankDNA = lo == hi
            look.dnaMaximum = hi
        }
        let stored = IngestedField(
            key: key, images: records, cellCount: table.rowCount, featureColumns: table.columnNames,
            values: table.values,
            masks: StoredMasks(boxes: masks.boxes, rleOffsets: masks.rleOffsets, rleBytes: masks.rleBytes))
        return .done(stored, times, look)
    }

    /// Reads a file; when it fails as if incomplete but is still settling,
    /// waits one settle period and tries once more.
    private func readSettled(_ file: ScannedFile, samples: inout Int) throws(ImageError) -> AnyImage {
        let first: ImageError
        do {
            return try ImageFile.read(file.path, channel: rgb.selection, samplesPerPixel: &samples)
        } catch {
            first = error
        }
        guard first.mayBeIncomplete, settle > 0,
              Settle.isStillChanging(file.path, since: file.fingerprint, window: .seconds(min(settle, 2))) else { throw first }
        Thread.sleep(forTimeInterval: settle)
        return try ImageFile.read(file.path, channel: rgb.selection, samplesPerPixel: &samples)
    }

    static func record(_ channel: ChannelID, _ file: ScannedFile, image: AnyImage?) -> ImageRecord {
        ImageRecord(channel: channel.name, path: file.path, bytes: file.size,
                    mtime: Double(file.mtimeNanoseconds) / 1e9, fingerprint: file.fingerprint.description,
                    width: image?.width, height: image?.height, bits: image?.bitDepth)
    }

    /// Feature-name suffix of a non-DNA channel: its name with only letters and
    /// digits, prefixed `Ch` when it is a bare number (`2` → `Ch2`, `GFP` → `GFP`).
    static func featureName(of channel: ChannelID) -> String {
        let cleaned = String(channel.name.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII }.map(Character.init))
        if cleaned.isEmpty { return "Ch" }
        return cleaned.first!.isNumber ? "Ch" + cleaned : cleaned
    }
}

extension ContinuousClock.Instant {
    var millisecondsElapsed: Double { (ContinuousClock.now - self).milliseconds }
}
