import CellarBench
import CellarImage
import CellarSegment
import Foundation
import Testing

/// Accuracy on the dev data sets of `../shared/data` (prints F1/mAP; no thresholds asserted beyond sanity).
/// Runs only with `CELLAR_SEG_EVAL=1` (slow in debug builds): 
/// `CELLAR_SEG_EVAL=1 swift test -c release --filter AccuracyEvaluation`.
/// `CELLAR_SEG_SYNTH=<dir>` adds a synth_plate.py folder; `CELLAR_SEG_OUT=<dir>` writes
/// predicted label TIFFs per set for cross-checking with score.py.
@Suite struct AccuracyEvaluation {
    static let env = ProcessInfo.processInfo.environment

    struct Set { let name: String; let folder: String; let diameter: Double? }

    static var sets: [Set] {
        var s = [Set]()
        if let synth = env["CELLAR_SEG_SYNTH"] { s.append(Set(name: "synthetic", folder: synth, diameter: nil)) }
        s += [Set(name: "dsb_u2os_dev", folder: sharedDataRoot + "/dsb_u2os_dev", diameter: nil),
              Set(name: "ctc_hela", folder: sharedDataRoot + "/ctc_hela", diameter: nil),
              Set(name: "stardist_dsb_crop", folder: sharedDataRoot + "/stardist_dsb_crop", diameter: nil),
              Set(name: "ctc_gowt1", folder: sharedDataRoot + "/ctc_gowt1", diameter: 60)]
        if env["CELLAR_SEG_ALL"] != nil {   // extra checks: default diameter on GOWT1, DSB 256² mix
            s += [Set(name: "ctc_gowt1_default_diameter", folder: sharedDataRoot + "/ctc_gowt1", diameter: nil),
                  Set(name: "dsb_train_256", folder: sharedDataRoot + "/dsb_train_256", diameter: nil)]
        }
        return s
    }

    @Test(.enabled(if: env["CELLAR_SEG_EVAL"] != nil))
    func evaluateDevSets() throws {
        for set in Self.sets {
            let pairs = datasetPairs(set.folder)
            var params = SegmentationParameters(diameter: set.diameter ?? SegmentationParameters.defaultDiameter)
            if let v = Self.env["SEG_SCALE"].flatMap(Double.init) { params.thresholdScale = v }
            if let v = Self.env["SEG_SIGMA"].flatMap(Double.init) { params.sigma = v }
            if let v = Self.env["SEG_MINDIST"].flatMap(Int.init) { params.minDistance = v }
            if let v = Self.env["SEG_DISTSIGMA"].flatMap(Double.init) { params.distSigma = v }
            if let v = Self.env["SEG_MINAREA"].flatMap(Int.init) { params.minArea = v }
            if let v = Self.env["SEG_REFINE"].flatMap(Double.init) { params.refineFraction = v }
            if let v = Self.env["SEG_MRATIO"].flatMap(Double.init) { params.mergeRatio = v }
            if let v = Self.env["SEG_MDEPTH"].flatMap(Double.init) { params.mergeDepth = v }
            let seg = WatershedSegmenter(parameters: params)
            seg.profiling = true
            var scores: [InstanceScores] = []
            var prof = SegmentationProfile()
            let outDir = Self.env["CELLAR_SEG_OUT"].map { $0 + "/" + set.name }
            if let o = outDir { try FileManager.default.createDirectory(atPath: o, withIntermediateDirectories: true) }
            for p in pairs {
                let img = try ImageFile.read(p.image).floatImage()
                let truth = try readLabels(p.labels)
                let pred = seg.segment(img)
                prof += seg.lastProfile
                scores.append(scoreInstances(truth: truth, predicted: pred))
                if let o = outDir { try ImageFile.writeTIFF(pred, to: o + "/" + p.stem + ".tif") }
            }
            let s = InstanceScoreSummary(scores)
            print("== \(set.name) (\(pairs.count) images) F1@0.5 \(fmt4(s.f1(at: 0.5))) F1@0.7 \(fmt4(s.f1(at: 0.7))) mAP \(fmt4(s.meanAP)) count err \(s.countError) of \(s.truthCount)")
            print("   ms/image: " + prof.divided(by: Double(max(pairs.count, 1))).summary)
        }
    }
}

func fmt4(_ v: Double) -> String { String(format: "%.4f", v) }

/// Single-thread speed on synth_plate.py fields: `CELLAR_SEG_BENCH=<dir with images/>
/// swift test -c release --filter SegmentationSpeed`. Prints mean ms per stage (3 passes,
/// the first discarded as warm-up).
@Suite struct SegmentationSpeed {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CELLAR_SEG_BENCH"] != nil))
    func benchmark() throws {
        let dir = ProcessInfo.processInfo.environment["CELLAR_SEG_BENCH"]!
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/images").sorted()
        let images = try files.map { try ImageFile.read(dir + "/images/" + $0).floatImage() }
        let passes = Int(ProcessInfo.processInfo.environment["CELLAR_SEG_PASSES"] ?? "3") ?? 3
        let prof = SegmentationBenchmark.run(images, passes: passes)
        print("segmentation ms/field (\(images.count) fields × \(max(passes - 1, 1)) timed passes, \(images.first.map { "\($0.width)×\($0.height)" } ?? "")): "
              + prof.summary + "  objects/field \(Double(prof.objects) / Double(images.count))")
    }
}
