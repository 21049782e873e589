import CellarSegment
import CellarUNet

/// The `[segmentation]` table of `cellar.toml` and the segmentation flags, typed: every
/// field optional (nil = not given; the parameters derive it from `diameter`). Flags overlay
/// the file key by key (``overlaid(by:)``).
public struct SegmentationSettings: Sendable, Equatable, Decodable {
    public var diameter: Double?
    public var sigma: Double?
    public var thresholdScale: Double?
    public var minDistance: Int?
    public var minArea: Int?
    public var distSigma: Double?
    public var maxArea: Int?
    public var clearBorder: Bool?
    public var fillHoles: Bool?
    public var manualThreshold: Double?
    public var backgroundPercentile: Double?
    /// `watershed` (default) or `unet`.
    public var method: SegmentationMethod?
    /// A U-Net `.safetensors` file (default: the committed model).
    public var model: String?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case diameter, sigma, method, model
        case thresholdScale = "threshold_scale", minDistance = "min_distance", minArea = "min_area"
        case distSigma = "dist_sigma", maxArea = "max_area", clearBorder = "clear_border", fillHoles = "fill_holes"
        case manualThreshold = "manual_threshold", backgroundPercentile = "background_percentile"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        diameter = try c.number(.diameter)
        sigma = try c.number(.sigma)
        thresholdScale = try c.number(.thresholdScale)
        minDistance = try c.integer(.minDistance)
        minArea = try c.integer(.minArea)
        distSigma = try c.number(.distSigma)
        maxArea = try c.integer(.maxArea)
        clearBorder = try c.flag(.clearBorder)
        fillHoles = try c.flag(.fillHoles)
        manualThreshold = try c.number(.manualThreshold)
        backgroundPercentile = try c.number(.backgroundPercentile)
        if let name = try c.text(.method) {
            guard let m = SegmentationMethod(rawValue: name.lowercased()) else {
                throw SettingProblem(key: "segmentation.method", expected: "'\(name)' is not one of "
                                     + SegmentationMethod.allCases.map(\.rawValue).joined(separator: ", "), invalid: true)
            }
            method = m
        }
        model = try c.text(.model)
    }

    /// These settings with every key `flags` gives replaced by the flag's value.
    public func overlaid(by flags: SegmentationSettings) -> SegmentationSettings {
        var m = self
        m.diameter = flags.diameter ?? diameter
        m.sigma = flags.sigma ?? sigma
        m.thresholdScale = flags.thresholdScale ?? thresholdScale
        m.minDistance = flags.minDistance ?? minDistance
        m.minArea = flags.minArea ?? minArea
        m.distSigma = flags.distSigma ?? distSigma
        m.maxArea = flags.maxArea ?? maxArea
        m.clearBorder = flags.clearBorder ?? clearBorder
        m.fillHoles = flags.fillHoles ?? fillHoles
        m.manualThreshold = flags.manualThreshold ?? manualThreshold
        m.backgroundPercentile = flags.backgroundPercentile ?? backgroundPercentile
        m.method = flags.method ?? method
        m.model = flags.model ?? model
        return m
    }
}

extension IngestSettings {
    /// Where `[segmentation]` errors point: the `cellar.toml` that gave a table, else the flags.
    var segmentationSource: String { tomlPath.map { "\($0) [segmentation]" } ?? "segmentation settings" }

    /// `method` (`watershed`, the default, or `unet`) and `model` (a .safetensors path,
    /// default the model built into the binary, `Models/cellar-unet.safetensors`; a model alone
    /// means the U-Net):
    /// the U-Net to use, or nil.
    public func unetModel() throws(SettingsError) -> UNetModel? {
        let path = segmentation.model
        switch segmentation.method ?? .watershed {
        case .watershed where path == nil: return nil
        case .watershed, .unet:
            do {
                if let path { return try UNetModel(path: path) }
                return try UNetModel.loadDefault()
            } catch {
                throw .invalidValue(path: segmentationSource, key: "model", reason: "\(error)")
            }
        }
    }

    /// Parameters for `diameter` (default 26 px) with every other given setting applied.
    public func segmentationParameters() throws(SettingsError) -> SegmentationParameters {
        let t = segmentation
        let diameter = t.diameter ?? SegmentationParameters.defaultDiameter
        guard diameter > 0 else { throw .invalidValue(path: segmentationSource, key: "diameter", reason: "must be positive") }
        var p = SegmentationParameters(diameter: diameter)
        if let v = t.sigma { p.sigma = v }
        if let v = t.thresholdScale { p.thresholdScale = v }
        if let v = t.minDistance { p.minDistance = max(1, v) }
        if let v = t.minArea { p.minArea = max(0, v) }
        if let v = t.distSigma { p.distSigma = v }
        if let v = t.maxArea { p.maxArea = v }
        if let v = t.manualThreshold { p.manualThreshold = Float(v) }
        if let v = t.backgroundPercentile { p.backgroundPercentile = v }
        if let v = t.clearBorder { p.clearBorder = v }
        if let v = t.fillHoles { p.fillHoles = v }
        return p
    }
}
