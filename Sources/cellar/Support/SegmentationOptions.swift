import ArgumentParser
import CellarIngest

/// Segmentation flags shared by `segment`, `ingest` and `watch`. Unset flags
/// leave the value to `cellar.toml` or the defaults (derived from `--diameter`).
struct SegmentationOptions: ParsableArguments {
    @Option(help: "Expected nucleus diameter in pixels; size-dependent settings derive from it (default 26).")
    var diameter: Double?

    @Option(help: "Gaussian σ (px) before thresholding.")
    var sigma: Double?

    @Option(help: "Threshold correction factor, applied relative to the background level.")
    var thresholdScale: Double?

    @Option(help: "Fixed threshold on the smoothed image instead of Otsu (raw intensity units).")
    var threshold: Double?

    @Option(help: "Minimum distance (px) between nucleus markers.")
    var minDistance: Int?

    @Option(help: "Objects smaller than this many pixels are dropped.")
    var minArea: Int?

    @Option(help: "Objects larger than this many pixels are dropped.")
    var maxArea: Int?

    @Option(help: "Gaussian σ applied to the distance map before finding markers.")
    var distSigma: Double?

    @Flag(help: "Drop nuclei touching the image border.")
    var clearBorder = false

    /// The flags that were given, as `[segmentation]` settings.
    var settings: SegmentationSettings {
        var t = SegmentationSettings()
        t.diameter = diameter
        t.sigma = sigma
        t.thresholdScale = thresholdScale
        t.manualThreshold = threshold
        t.minDistance = minDistance
        t.minArea = minArea
        t.maxArea = maxArea
        t.distSigma = distSigma
        if clearBorder { t.clearBorder = true }
        return t
    }
}
