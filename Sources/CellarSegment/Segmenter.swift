import CellarImage
import Foundation

/// Turns a nuclear-stain image into an instance label image: 0 = background,
/// objects numbered 1…N. A worker owns one segmenter and reuses it (and its scratch
/// buffers) across fields; segmenters are not shared between threads.
///
/// Every method (watershed, U-Net, and later ones) is used through this protocol alone:
/// callers never branch on the concrete type.
public protocol Segmenter: AnyObject {
    /// When true, ``lastStages`` receives the stage timings of each call (off: no clock reads).
    var profiling: Bool { get set }
    /// Stage timings of the latest ``segment(_:into:)`` with ``profiling`` on.
    var lastStages: StageTimings { get }
    /// Segments `image` into `labels` (resized if needed, its storage reused): labels 1…N.
    func segment(_ image: AnyImage, into labels: inout Image<UInt32>)
}

extension Segmenter {
    /// Labels 1…N of a float image.
    public func segment(_ image: Image<Float>) -> Image<UInt32> {
        var out = Image<UInt32>(width: image.width, height: image.height)
        segment(.float32(image), into: &out)
        return out
    }
}

/// Milliseconds per named stage of one or more segmentations, in pipeline order, and the
/// objects found: the common profile of every ``Segmenter``.
public struct StageTimings: Sendable, Hashable {
    public private(set) var stages: [Stage] = []
    public var objects = 0

    public struct Stage: Sendable, Hashable {
        public var name: String
        public var ms: Double
    }

    public init() {}

    public init(_ stages: [(name: String, ms: Double)], objects: Int = 0) {
        self.stages = stages.map { Stage(name: $0.name, ms: $0.ms) }
        self.objects = objects
    }

    public var total: Double { stages.reduce(0) { $0 + $1.ms } }

    /// Adds `b` stage by stage (by name; new names keep their order). O(stages²), a handful.
    public static func += (a: inout StageTimings, b: StageTimings) {
        for stage in b.stages {
            if let i = a.stages.firstIndex(where: { $0.name == stage.name }) { a.stages[i].ms += stage.ms }
            else { a.stages.append(stage) }
        }
        a.objects += b.objects
    }

    /// Every stage divided by `n` (averages over fields).
    public func divided(by n: Double) -> StageTimings {
        var t = self
        for i in t.stages.indices { t.stages[i].ms /= n }
        return t
    }

    /// One line: `blur 1.20  threshold 1.40 … total 7.45 ms`.
    public var summary: String {
        stages.map { "\($0.name) \(fmt($0.ms))" }.joined(separator: "  ") + "  total \(fmt(total)) ms"
    }
}

/// Milliseconds spent per stage of one ``WatershedSegmenter`` run (its ``StageTimings`` are
/// these stages by name).
public struct SegmentationProfile: Sendable, Hashable, Codable {
    public var blur = 0.0
    /// Otsu threshold, mask, hole filling, connected components, small-component removal.
    public var threshold = 0.0
    /// Euclidean distance transform and its smoothing.
    public var distance = 0.0
    public var markers = 0.0
    public var watershed = 0.0
    /// Cutting necks between overlapping nuclei (``ConcavitySplitter``).
    public var split = 0.0
    /// Size/border filters and relabelling 1…N.
    public var cleanup = 0.0
    /// Number of objects found.
    public var objects = 0

    public init() {}

    public var total: Double { blur + threshold + distance + markers + watershed + split + cleanup }

    /// Stage names and milliseconds, in pipeline order.
    public var stages: [(name: String, ms: Double)] {
        [("blur", blur), ("threshold", threshold), ("distance", distance),
         ("markers", markers), ("watershed", watershed), ("split", split), ("cleanup", cleanup)]
    }

    /// The same stages as the common ``StageTimings``.
    public var timings: StageTimings { StageTimings(stages, objects: objects) }

    /// Adds another profile stage by stage (for averaging over fields).
    public static func += (a: inout SegmentationProfile, b: SegmentationProfile) {
        a.blur += b.blur; a.threshold += b.threshold; a.distance += b.distance
        a.markers += b.markers; a.watershed += b.watershed; a.split += b.split; a.cleanup += b.cleanup
        a.objects += b.objects
    }

    /// Every stage divided by `n`.
    public func divided(by n: Double) -> SegmentationProfile {
        var p = self
        p.blur /= n; p.threshold /= n; p.distance /= n; p.markers /= n
        p.watershed /= n; p.split /= n; p.cleanup /= n
        return p
    }

    /// One line: `blur 1.20  threshold 1.40 … total 7.45 ms`.
    public var summary: String {
        stages.map { "\($0.name) \(fmt($0.ms))" }.joined(separator: "  ") + "  total \(fmt(total)) ms"
    }
}

/// Milliseconds with two decimals (`1.20`).
func fmt(_ v: Double) -> String { String(format: "%.2f", v) }

/// A monotonic stopwatch read only when profiling is on (the per-stage timings of the
/// segmenters).
public struct StageClock {
    let on: Bool
    private var last: ContinuousClock.Instant?
    public init(on: Bool) { self.on = on; last = on ? ContinuousClock.now : nil }
    /// Milliseconds since the previous lap (0 when off).
    public mutating func lap() -> Double {
        guard on, let l = last else { return 0 }
        let now = ContinuousClock.now
        last = now
        return (now - l).milliseconds
    }
}
