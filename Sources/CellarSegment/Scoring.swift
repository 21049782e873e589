import CellarImage
import Foundation

/// Instance-segmentation scores of one (truth, predicted) label-image pair, with the
/// definitions of `shared/reference/score.py`: objects are the distinct non-zero labels
/// (need not be consecutive); IoU from the exact pixel contingency table; matching at a
/// threshold `t ≥ 0.5` counts pairs with IoU > t (strict; one-to-one by construction).
public struct InstanceScores: Sendable, Hashable, Codable {
    /// The DSB2018 thresholds 0.50, 0.55, …, 0.95.
    public static let dsbThresholds: [Double] = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]

    public var truthCount: Int
    public var predictedCount: Int
    /// IoUs of all (truth, predicted) pairs with IoU > 0.5, ascending (each such pair is a match).
    public var matchedIoUs: [Double]

    public init(truthCount: Int, predictedCount: Int, matchedIoUs: [Double]) {
        self.truthCount = truthCount; self.predictedCount = predictedCount
        self.matchedIoUs = matchedIoUs.sorted()
    }

    /// `predicted − truth`.
    public var countError: Int { predictedCount - truthCount }

    /// Matches at IoU > `t` (`t ≥ 0.5`). O(log matches).
    public func truePositives(at t: Double) -> Int {
        precondition(t >= 0.5, "matching below IoU 0.5 needs an assignment solver")
        var lo = 0, hi = matchedIoUs.count
        while lo < hi { let m = (lo + hi) / 2; if matchedIoUs[m] > t { hi = m } else { lo = m + 1 } }
        return matchedIoUs.count - lo
    }
    public func falsePositives(at t: Double) -> Int { predictedCount - truePositives(at: t) }
    public func falseNegatives(at t: Double) -> Int { truthCount - truePositives(at: t) }

    private var bothEmpty: Bool { truthCount == 0 && predictedCount == 0 }
    public func precision(at t: Double) -> Double { ratio(truePositives(at: t), predictedCount, bothEmpty) }
    public func recall(at t: Double) -> Double { ratio(truePositives(at: t), truthCount, bothEmpty) }
    public func f1(at t: Double) -> Double {
        let tp = truePositives(at: t)
        return ratio(2 * tp, truthCount + predictedCount, bothEmpty)
    }
    /// DSB2018 AP(t) = TP / (TP + FP + FN); 1 when both images are empty.
    public func averagePrecision(at t: Double) -> Double {
        let tp = truePositives(at: t)
        let d = truthCount + predictedCount - tp
        return d == 0 ? 1 : Double(tp) / Double(d)
    }
    /// DSB2018 mean AP over IoU 0.50:0.05:0.95.
    public var meanAP: Double { Self.dsbThresholds.map(averagePrecision(at:)).reduce(0, +) / 10 }
    /// Mean IoU of the pairs matched at 0.5 (NaN when none).
    public var matchedMeanIoU: Double {
        matchedIoUs.isEmpty ? .nan : matchedIoUs.reduce(0, +) / Double(matchedIoUs.count)
    }
}

@inline(__always) func ratio(_ a: Int, _ b: Int, _ emptyOK: Bool) -> Double {
    b == 0 ? (emptyOK ? 1 : 0) : Double(a) / Double(b)
}

/// Scores of many image pairs, aggregated as score.py's "overall": P/R/F1 micro-averaged
/// (TP/FP/FN summed), mAP and count errors averaged over images.
public struct InstanceScoreSummary: Sendable, Hashable, Codable {
    public var perImage: [InstanceScores]
    public init(_ perImage: [InstanceScores]) { self.perImage = perImage }

    public var images: Int { perImage.count }
    public var truthCount: Int { perImage.reduce(0) { $0 + $1.truthCount } }
    public var predictedCount: Int { perImage.reduce(0) { $0 + $1.predictedCount } }
    public var countError: Int { predictedCount - truthCount }
    public func truePositives(at t: Double) -> Int { perImage.reduce(0) { $0 + $1.truePositives(at: t) } }
    private var bothEmpty: Bool { truthCount == 0 && predictedCount == 0 }
    public func precision(at t: Double) -> Double { ratio(truePositives(at: t), predictedCount, bothEmpty) }
    public func recall(at t: Double) -> Double { ratio(truePositives(at: t), truthCount, bothEmpty) }
    public func f1(at t: Double) -> Double { ratio(2 * truePositives(at: t), truthCount + predictedCount, bothEmpty) }
    /// DSB2018 score: mean over images of each image's mean AP.
    public var meanAP: Double { mean(perImage.map(\.meanAP)) }
    /// Mean over images of AP(t).
    public func averagePrecision(at t: Double) -> Double { mean(perImage.map { $0.averagePrecision(at: t) }) }
    public var meanAbsoluteCountError: Double { mean(perImage.map { Double(abs($0.countError)) }) }
    public var meanRelativeCountError: Double {
        mean(perImage.map { Double(abs($0.countError)) / Double(max($0.truthCount, 1)) })
    }
    /// Mean over images of the matched mean IoU at 0.5, ignoring images without matches.
    public var matchedMeanIoU: Double { mean(perImage.map(\.matchedMeanIoU).filter { !$0.isNaN }) }

    private func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }

    /// A few lines like score.py's report.
    public var report: String {
        var s = "images \(images)   objects GT \(truthCount)   pred \(predictedCount)   count error \(countError >= 0 ? "+" : "")\(countError)\n"
        for t in [0.5, 0.7] {
            let tp = truePositives(at: t)
            s += "IoU>\(t): precision \(fmt4(precision(at: t)))  recall \(fmt4(recall(at: t)))  F1 \(fmt4(f1(at: t)))  (TP \(tp) FP \(predictedCount - tp) FN \(truthCount - tp))\n"
        }
        s += "DSB2018 mAP@[0.5:0.95] \(fmt4(meanAP))   matched mean IoU@0.5 \(fmt4(matchedMeanIoU))"
        return s
    }
}

/// A score with four decimals (`0.9123`).
func fmt4(_ v: Double) -> String { v.isNaN ? "nan" : String(format: "%.4f", v) }

/// Scores `predicted` against `truth` (same size). One pass over the pixels building a
/// sparse contingency table from runs of equal (truth, predicted) pairs: O(pixels + pairs).
public func scoreInstances(truth: Image<UInt32>, predicted: Image<UInt32>) -> InstanceScores {
    precondition(truth.width == predicted.width && truth.height == predicted.height, "label images differ in size")
    var areaT: [UInt32: Int] = [:], areaP: [UInt32: Int] = [:]
    var inter: [UInt64: Int] = [:]
    truth.pixels.withUnsafeBufferPointer { tb in
        predicted.pixels.withUnsafeBufferPointer { pb in
            let n = tb.count
            var i = 0
            while i < n {
                let g = tb[i], p = pb[i]
                var j = i + 1
                while j < n && tb[j] == g && pb[j] == p { j += 1 }
                let c = j - i
                if g != 0 { areaT[g, default: 0] += c }
                if p != 0 { areaP[p, default: 0] += c }
                if g != 0 && p != 0 { inter[UInt64(g) << 32 | UInt64(p), default: 0] += c }
                i = j
            }
        }
    }
    var ious: [Double] = []
    for (key, c) in inter {
        let g = UInt32(key >> 32), p = UInt32(key & 0xffff_ffff)
        let iou = Double(c) / Double(areaT[g]! + areaP[p]! - c)
        if iou > 0.5 { ious.append(iou) }
    }
    return InstanceScores(truthCount: areaT.count, predictedCount: areaP.count, matchedIoUs: ious)
}

/// Scores every (truth, predicted) pair and aggregates them.
public func scoreInstances(pairs: [(truth: Image<UInt32>, predicted: Image<UInt32>)]) -> InstanceScoreSummary {
    InstanceScoreSummary(pairs.map { scoreInstances(truth: $0.truth, predicted: $0.predicted) })
}
