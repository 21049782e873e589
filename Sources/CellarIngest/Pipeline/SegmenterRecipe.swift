import CellarSegment
import CellarUNet

/// The segmentation methods. A new method is a new case here and in
/// ``SegmenterRecipe/makeSegmenter(profiling:)``; the commands list and parse the cases.
public enum SegmentationMethod: String, Sendable, CaseIterable {
    /// Classical: blur, threshold, distance transform, marker watershed (``WatershedSegmenter``).
    case watershed
    /// The committed U-Net (``UNetSegmenter``): slower, more accurate on clumped nuclei.
    case unet
}

/// Everything a worker needs to build its segmenter: the method, its parameters and model.
/// One recipe per run, one segmenter per worker (``makeSegmenter(profiling:)``); used alike
/// by `segment`, `ingest` and `watch`.
public struct SegmenterRecipe: Sendable {
    public var method: SegmentationMethod
    public var parameters: SegmentationParameters
    /// The U-Net's weights (method `unet`).
    public var model: UNetModel?

    public init(method: SegmentationMethod = .watershed, parameters: SegmentationParameters = SegmentationParameters(),
                model: UNetModel? = nil) {
        self.method = method
        self.parameters = parameters
        self.model = model
    }

    /// The recipe the settings describe: `[segmentation]` `method` and `model` (a model alone
    /// means the U-Net), and the parameters. Loads the model; throws for unknown keys, a bad
    /// method or an unreadable model.
    public init(settings: IngestSettings) throws(SettingsError) {
        let model = try settings.unetModel()
        self.init(method: model == nil ? .watershed : .unet, parameters: try settings.segmentationParameters(), model: model)
    }

    /// A new segmenter for one worker. O(1); scratch grows on first use.
    public func makeSegmenter(profiling: Bool = false) -> any Segmenter {
        let segmenter: any Segmenter
        switch (method, model) {
        case (.unet, let model?): segmenter = UNetSegmenter(model: model, parameters: parameters)
        case (.unet, nil), (.watershed, _): segmenter = WatershedSegmenter(parameters: parameters)
        }
        segmenter.profiling = profiling
        return segmenter
    }
}
