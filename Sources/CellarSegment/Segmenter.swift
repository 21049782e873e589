import CellarImage

/// Turns a nuclear-stain image into an instance label image: 0 = background,
/// objects numbered 1…N. A worker owns one segmenter and reuses it (and its scratch
/// buffers) across fields; segmenters are not shared between threads.
public protocol Segmenter {
    /// Labels 1…N of `image`.
    func segment(_ image: Image<Float>) -> Image<UInt32>
}

/// Milliseconds spent per stage of one ``WatershedSegmenter`` run.
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

func fmt(_ v: Double) -> String {
    let r = (v * 100).rounded() / 100
    var s = String(r)
    if let dot = s.firstIndex(of: ".") {
        let dec = s.distance(from: dot, to: s.endIndex) - 1
        if dec < 2 { s += String(repeating: "0", count: 2 - dec) }
    }
    return s
}

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
        let d = now - l
        return Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
    }
}
