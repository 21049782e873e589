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

    /// The flags that were given, as `[segmentation]` keys.
    var table: [String: SettingValue] {
        var t: [String: SettingValue] = [:]
        if let diameter { t["diameter"] = .double(diameter) }
        if let sigma { t["sigma"] = .double(sigma) }
        if let thresholdScale { t["threshold_scale"] = .double(thresholdScale) }
        if let threshold { t["manual_threshold"] = .double(threshold) }
        if let minDistance { t["min_distance"] = .int(minDistance) }
        if let minArea { t["min_area"] = .int(minArea) }
        if let maxArea { t["max_area"] = .int(maxArea) }
        if let distSigma { t["dist_sigma"] = .double(distSigma) }
        if clearBorder { t["clear_border"] = .bool(true) }
        return t
    }
}
