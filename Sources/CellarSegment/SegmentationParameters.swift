/// Settings of the classical nuclei segmentation (``WatershedSegmenter``). Names follow
/// `shared/reference/reference_pipeline.py`; lengths are in pixels.
///
/// The size-dependent settings derive from ``diameter`` (the expected nucleus diameter,
/// as Cellpose/StarDist users give it): `SegmentationParameters(diameter: 60)` suits
/// 60 px nuclei. The plain `init()` uses ``defaultDiameter``.
///
/// Defaults (diameter 26): σ 1, Otsu corrected to 0.6 of its height above the 1st
/// percentile, markers ≥ 6 px apart on the σ 0.7 smoothed distance map, objects trimmed
/// below 0.55 of their mean above background, necks cut where two concave points ≥ 2.5 px
/// deep face each other (``ConcavitySplitter``), objects < 30 px dropped. Chosen on
/// `shared/data` dev sets and synthetic 1024² fields so one setting works for all of
/// them (only GOWT1's 60 px nuclei need `diameter: 60`).
public struct SegmentationParameters: Sendable, Codable, Hashable {
    /// Expected nucleus diameter the defaults are scaled from.
    public static let defaultDiameter: Double = 26

    /// Expected nucleus diameter (px) the other lengths were derived from (informational
    /// once set; changing it does not rescale the other fields — use `init(diameter:)`).
    public var diameter: Double
    /// Gaussian σ (px) before thresholding.
    public var sigma: Double
    /// Threshold correction factor applied relative to the background level:
    /// `threshold = background + thresholdScale · (otsu − background)`.
    public var thresholdScale: Double
    /// Fraction of pixels defining the background level (a low percentile of the
    /// smoothed image), so the correction works with a camera offset. 0 uses the minimum.
    public var backgroundPercentile: Double
    /// Fixed threshold on the smoothed image (raw intensity units) instead of Otsu;
    /// `thresholdScale` is not applied to it.
    public var manualThreshold: Float?
    /// Minimum distance (px, Chebyshev) between markers, as `peak_local_max(min_distance:)`.
    public var minDistance: Int
    /// Gaussian σ applied to the distance map before finding markers (0 = none).
    public var distSigma: Double
    /// Merge neighbouring watershed regions when their saddle on the distance surface is at
    /// least this fraction of the lower region's peak (1 = never by this rule).
    public var mergeRatio: Double
    /// Merge neighbouring regions when the lower peak rises less than this (px of
    /// distance) above their saddle (0 = never by this rule).
    public var mergeDepth: Double
    /// Per-object refinement: after the watershed, drop an object's pixels whose smoothed
    /// intensity is below `background + refineFraction · (object mean − background)`
    /// (the mean, unlike the peak, is not raised by a bright neighbour's halo)
    /// (0 = off).
    public var refineFraction: Double
    /// Necks between overlapping nuclei: both concave points at least this deep (px) for
    /// a cut (``ConcavitySplitter``; 0 = no concavity splitting).
    public var splitDepth: Double
    /// Each side of a concavity cut has at least this many pixels.
    public var splitMinArea: Int
    /// Objects (and foreground components) smaller than this many pixels are dropped.
    public var minArea: Int
    /// Objects larger than this many pixels are dropped (`nil` = no limit).
    public var maxArea: Int?
    /// Fill holes in the thresholded mask (`binary_fill_holes`).
    public var fillHoles: Bool
    /// Drop objects touching the image border.
    public var clearBorder: Bool

    /// Settings for nuclei of about `diameter` px; other values as given.
    /// Scales σ, the marker distance, the distance-map σ, the neck settings and the minimum area with
    /// `diameter / 26` (26 px being the size the base values were chosen on).
    public init(diameter: Double = SegmentationParameters.defaultDiameter,
                thresholdScale: Double = 0.6, backgroundPercentile: Double = 0.01,
                refineFraction: Double = 0.55, manualThreshold: Float? = nil, maxArea: Int? = nil,
                fillHoles: Bool = true, clearBorder: Bool = false) {
        precondition(diameter > 0, "diameter must be positive")
        let k = diameter / Self.defaultDiameter
        self.diameter = diameter
        self.sigma = 1 * k
        self.thresholdScale = thresholdScale
        self.backgroundPercentile = backgroundPercentile
        self.manualThreshold = manualThreshold
        self.minDistance = max(1, Int((6 * k).rounded()))
        self.distSigma = 0.7 * k
        self.minArea = max(1, Int((30 * k * k).rounded()))
        self.refineFraction = refineFraction
        self.splitDepth = 2.5 * k
        self.splitMinArea = max(1, Int((100 * k * k).rounded()))
        self.mergeRatio = 1
        self.mergeDepth = 0
        self.maxArea = maxArea
        self.fillHoles = fillHoles
        self.clearBorder = clearBorder
    }
}
