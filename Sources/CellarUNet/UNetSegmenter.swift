import CellarImage
import CellarSegment
import Foundation

/// Options of the U-Net path beyond ``SegmentationParameters``.
public struct UNetOptions: Sendable, Hashable {
    /// Seeds: components of P(interior) above this.
    public var seedThreshold: Float = 0.5
    /// Foreground (where seeds may grow): P(background) below this. Lower than 0.5
    /// because training weights the boundary class ×10, which inflates P(boundary) just
    /// outside nuclei; 0.15 was chosen on the dev sets (0.5 makes objects ~20 % too large).
    public var foregroundThreshold: Float = 0.15
    /// Seed components smaller than this (px, at diameter 26; scaled by area) are ignored.
    public var minSeedArea: Int = 8
    /// Largest side run in one piece; larger images are cut into tiles of this side that
    /// overlap by 2 · ``tileMargin`` and each pixel is taken from the tile whose centre
    /// part holds it.
    public var tileSize: Int = 1024
    /// Context kept around each tile's centre part (px).
    public var tileMargin: Int = 32

    public init() {}
}

/// Nuclei segmentation by the three-class U-Net: percentile normalisation → (resize by
/// 26 / ``SegmentationParameters/diameter`` when the expected nuclei differ from the
/// training size) → network in tiles → softmax → seeds from the interior class grown by
/// a marker watershed into the foreground (P(background) < 0.15: interior ∪ boundary) →
/// the watershed path's size/border filters → necks cut at facing concavities
/// (``NeckSplitter``).
///
/// One per worker (owns a ``UNetRunner`` and scratch); not `Sendable`. The model is shared.
/// O(pixels · ``UNetModel/macsPerPixel``) time.
public final class UNetSegmenter: Segmenter {
    public let model: UNetModel
    public var parameters: SegmentationParameters
    public var options: UNetOptions
    public var profiling: Bool {
        get { runner.profiling }
        set { runner.profiling = newValue }
    }
    /// Milliseconds per stage of the latest ``segment(_:)`` with profiling on:
    /// `normalise`, `network`, `instances`, and per-layer times summed over tiles.
    public private(set) var lastProfile: [(name: String, ms: Double)] = []
    public var lastStages: StageTimings { StageTimings(lastProfile) }

    private let runner: UNetRunner
    private var builder = InstanceBuilder()

    /// Instruction set of the 3×3 convolution kernel on this machine ("avx512", "avx2",
    /// "portable").
    public static var kernelInstructionSet: String { Kernels.isa }

    private var necks = NeckSplitter()

    public init(model: UNetModel, parameters: SegmentationParameters = SegmentationParameters(), options: UNetOptions = UNetOptions()) {
        self.model = model
        self.parameters = parameters
        self.options = options
        runner = UNetRunner(model: model)
    }

    public func segment(_ image: AnyImage, into labels: inout Image<UInt32>) {
        labels = segment(image.floatImage())
    }

    public func segment(_ image: Image<Float>) -> Image<UInt32> {
        let w = image.width, h = image.height
        if w == 0 || h == 0 { return Image<UInt32>(width: w, height: h) }
        var clock = StageClock(on: profiling)
        var profile: [(String, Double)] = []
        func lap(_ name: String) { if profiling { profile.append((name, clock.lap())) } }
        var input = Preprocess.percentileNormalise(image.pixels)
        // Bring nuclei to the training size.
        let scale = SegmentationParameters.defaultDiameter / parameters.diameter
        var nw = w, nh = h
        if abs(scale - 1) > 0.05 {
            nw = max(1, Int((Double(w) * scale).rounded())); nh = max(1, Int((Double(h) * scale).rounded()))
            input = Preprocess.resize(input, planes: 1, width: w, height: h, toWidth: nw, height: nh)
        }
        lap("normalise")
        var probs = probabilities(input, width: nw, height: nh, profile: &profile)
        clock = StageClock(on: profiling)
        if nw != w || nh != h {
            probs = Preprocess.resize(probs, planes: 3, width: nw, height: nh, toWidth: w, height: h)
            lap("resize back")
        }
        let n = w * h
        let seedArea = max(1, Int((Double(options.minSeedArea) / (scale * scale)).rounded()))
        var labels = probs.withUnsafeBufferPointer { pb in
            builder.labels(interior: UnsafeBufferPointer(rebasing: pb[n..<2 * n]),
                           background: UnsafeBufferPointer(rebasing: pb[0..<n]), width: w, height: h,
                           seedThreshold: options.seedThreshold, foregroundThreshold: options.foregroundThreshold,
                           minSeedArea: seedArea, parameters: parameters)
        }
        // Touching nuclei whose interiors still meet: cut at facing concavities, as the
        // watershed path does (synthetic plate count error −1.3 % → −0.4 %).
        necks.split(&labels, parameters: parameters)
        lap("instances")
        if profiling { lastProfile = profile }
        return labels
    }

    /// Softmax class probabilities (3 planes: background, interior, boundary) of a
    /// normalised image, tiled as ``UNetOptions/tileSize`` says. Layer times are added
    /// to `profile` (summed over tiles) when profiling.
    func probabilities(_ input: [Float], width w: Int, height h: Int, profile: inout [(String, Double)]) -> [Float] {
        let m = runner.sizeMultiple
        func up(_ v: Int) -> Int { (v + m - 1) / m * m }
        var out = [Float](repeating: 0, count: 3 * w * h)
        let tile = max(options.tileSize, 2 * options.tileMargin + m)
        let single = w <= tile && h <= tile
        let margin = single ? 0 : options.tileMargin
        let core = single ? max(w, h) : tile - 2 * margin
        var layerTimes: [String: Double] = [:]
        var layerOrder: [String] = []
        var logits: [Float] = []
        for cy in stride(from: 0, to: h, by: core) {
            for cx in stride(from: 0, to: w, by: core) {
                let cw = min(core, w - cx), ch = min(core, h - cy)
                // Window = core plus margin, inside the image.
                let x0 = max(0, cx - margin), y0 = max(0, cy - margin)
                let x1 = min(w, cx + cw + margin), y1 = min(h, cy + ch + margin)
                let ww = x1 - x0, wh = y1 - y0, pw = up(ww), ph = up(wh)
                let window = Preprocess.window(input, width: w, height: h, x: x0, y: y0, w: ww, h: wh, paddedWidth: pw, paddedHeight: ph)
                if logits.count < 3 * pw * ph { logits = [Float](repeating: 0, count: 3 * pw * ph) }
                window.withUnsafeBufferPointer { src in
                    logits.withUnsafeMutableBufferPointer { dst in
                        runner.logits(src.baseAddress!, width: pw, height: ph, into: dst.baseAddress!)
                    }
                }
                if profiling {
                    for (name, ms) in runner.lastProfile {
                        if layerTimes[name] == nil { layerOrder.append(name) }
                        layerTimes[name, default: 0] += ms
                    }
                }
                // Softmax of the core part into the output planes.
                let plane = pw * ph, outPlane = w * h
                logits.withUnsafeBufferPointer { lg in
                    out.withUnsafeMutableBufferPointer { o in
                        for y in 0..<ch {
                            let sy = cy + y - y0
                            for x in 0..<cw {
                                let s = sy * pw + cx + x - x0
                                let a = lg[s], b = lg[plane + s], c = lg[2 * plane + s]
                                let mx = max(a, max(b, c))
                                let ea = expf(a - mx), eb = expf(b - mx), ec = expf(c - mx)
                                let inv = 1 / (ea + eb + ec)
                                let d = (cy + y) * w + cx + x
                                o[d] = ea * inv; o[outPlane + d] = eb * inv; o[2 * outPlane + d] = ec * inv
                            }
                        }
                    }
                }
            }
        }
        if profiling { profile += layerOrder.map { ($0, layerTimes[$0]!) } }
        return out
    }
}
