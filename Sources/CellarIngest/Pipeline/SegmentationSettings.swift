import CellarSegment
import CellarUNet

/// Maps the `[segmentation]` table of `cellar.toml` (and the equivalent flags)
/// onto ``SegmentationParameters``.
extension IngestSettings {
    /// Keys accepted in `[segmentation]`, with the flag each mirrors.
    public static let segmentationKeys = [
        "diameter", "sigma", "threshold_scale", "min_distance", "min_area", "dist_sigma",
        "max_area", "clear_border", "fill_holes", "manual_threshold", "background_percentile",
        "method", "model",
    ]

    /// `method` (`watershed`, the default, or `unet`) and `model` (a .safetensors path,
    /// default the committed `Models/cellar-unet.safetensors`): the U-Net to use, or nil.
    public func unetModel() throws(SettingsError) -> UNetModel? {
        let method = (segmentation["method"]?.string ?? "watershed").lowercased()
        let path = segmentation["model"]?.string
        switch method {
        case "watershed" where path == nil: return nil
        case "watershed", "unet":
            do {
                if let path { return try UNetModel(path: path) }
                return try UNetModel.loadDefault()
            } catch {
                throw .invalidValue(path: segmentationSource, key: "model", reason: "\(error)")
            }
        default:
            throw .invalidValue(path: segmentationSource, key: "method", reason: "'\(method)' is not watershed or unet")
        }
    }

    /// Where `[segmentation]` errors point: the `cellar.toml` that gave a table, else the flags.
    var segmentationSource: String { tomlPath.map { "\($0) [segmentation]" } ?? "segmentation settings" }

    /// Parameters for `diameter` (default 26 px) with every other given key applied.
    /// Throws for unknown keys or values of the wrong type.
    public func segmentationParameters() throws(SettingsError) -> SegmentationParameters {
        let table = segmentation
        for key in table.keys where !Self.segmentationKeys.contains(key) {
            throw .invalidValue(path: segmentationSource, key: key, reason: "unknown key (known: \(Self.segmentationKeys.joined(separator: ", ")))")
        }
        func number(_ key: String) throws(SettingsError) -> Double? {
            guard let value = table[key] else { return nil }
            guard let d = value.double else { throw .wrongType(path: segmentationSource, key: key, expected: "a number, not \(value)") }
            return d
        }
        func flag(_ key: String) throws(SettingsError) -> Bool? {
            guard let value = table[key] else { return nil }
            guard let b = value.bool else { throw .wrongType(path: segmentationSource, key: key, expected: "true or false, not \(value)") }
            return b
        }
        let diameter = try number("diameter") ?? SegmentationParameters.defaultDiameter
        guard diameter > 0 else { throw .invalidValue(path: segmentationSource, key: "diameter", reason: "must be positive") }
        var p = SegmentationParameters(diameter: diameter)
        if let v = try number("sigma") { p.sigma = v }
        if let v = try number("threshold_scale") { p.thresholdScale = v }
        if let v = try number("min_distance") { p.minDistance = max(1, Int(v.rounded())) }
        if let v = try number("min_area") { p.minArea = max(0, Int(v.rounded())) }
        if let v = try number("dist_sigma") { p.distSigma = v }
        if let v = try number("max_area") { p.maxArea = Int(v.rounded()) }
        if let v = try number("manual_threshold") { p.manualThreshold = Float(v) }
        if let v = try number("background_percentile") { p.backgroundPercentile = v }
        if let v = try flag("clear_border") { p.clearBorder = v }
        if let v = try flag("fill_holes") { p.fillHoles = v }
        return p
    }
}
