import CellarImage
import CellarMeasure
import CellarSegment
import CellarUNet
import Foundation

/// How fields are processed: workers, segmentation settings, queue sizes.
public struct IngestOptions: Sendable {
    /// Parallel segment workers (one field each at a time).
    public var workers: Int
    public var segmentation: SegmentationParameters
    /// The U-Net to segment with instead of the watershed (`method = "unet"`); nil = watershed.
    public var unet: UNetModel?
    /// Keep watching after the initial scan (`cellar watch`) or stop (`cellar ingest`).
    public var watch: Bool
    /// Collect per-stage timings (read, segment stages, measure, write).
    public var profile: Bool
    /// Cellar version recorded in the `run` table.
    public var version: String
    /// Fields queued between the source and the workers, per worker.
    public var queuePerWorker: Int
    /// Only this shard's wells (`cellar ingest --shard I/N`); nil = all. Not part of the
    /// parameters hash: which process computed a field does not change its results.
    public var shard: Shard? = nil

    public init(workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                segmentation: SegmentationParameters = SegmentationParameters(),
                watch: Bool = false, profile: Bool = false, version: String = "dev", queuePerWorker: Int = 2) {
        self.workers = max(1, workers)
        self.segmentation = segmentation
        self.watch = watch
        self.profile = profile
        self.version = version
        self.queuePerWorker = max(1, queuePerWorker)
    }

    /// How fields are segmented: the watershed, or the U-Net when ``unet`` is set.
    public var recipe: SegmenterRecipe {
        SegmenterRecipe(method: unet == nil ? .watershed : .unet, parameters: segmentation, model: unet)
    }

    /// Version of the measurement definitions; part of the parameters hash so
    /// that a change to them re-processes fields.
    public static let measurementVersion = 1

    /// The settings that decide a field's results, as canonical JSON (sorted keys): the
    /// segmentation, method and model, and the acquisition settings that choose what is read —
    /// DNA channel, channels, layout and pattern, colour conversion. An acquisition setting left
    /// to its default is omitted (what the default picks follows from the files, whose
    /// fingerprints are compared too), so runs from before it existed keep their hash.
    public func parametersJSON(settings: IngestSettings = IngestSettings()) -> String {
        struct Provenance: Encodable {
            var segmentation: SegmentationParameters
            var measurementVersion: Int
            var method: String
            var model: String?
            var dnaChannel: String?
            var channels: [String]?
            var layout: String?
            var pattern: String?
            var well: String?
            var plateFormat: Int?
            var rgb: String?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let layout = settings.layout.map { $0.lowercased() }.flatMap { $0 == "auto" ? nil : $0 }
        let value = Provenance(segmentation: segmentation, measurementVersion: Self.measurementVersion,
                               method: recipe.method.rawValue, model: unet.map { "sha256:\($0.sha256)" },
                               dnaChannel: settings.dnaChannel?.name,
                               channels: settings.channels.map { Set($0).sorted().map(\.name) },
                               layout: layout, pattern: settings.pattern, well: settings.well?.uppercased(),
                               plateFormat: settings.plateFormat.map(\.rawValue),
                               rgb: settings.rgb?.rawValue)
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            preconditionFailure("parameters do not encode as JSON: \(error)")
        }
    }

    /// SHA-256 of ``parametersJSON(settings:)``, hex: equal hash, equal results. (Runs stored
    /// before 0004 carried a 64-bit FNV-1a; that migration rehashed them, so they still match.)
    public func parametersHash(settings: IngestSettings = IngestSettings()) -> String {
        Checksum.sha256Hex(parametersJSON(settings: settings).utf8)
    }
}
