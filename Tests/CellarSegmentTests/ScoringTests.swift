import CellarTestSupport
import CellarImage
import CellarSegment
import Foundation
import Testing

@Suite struct ScoringTests {
    @Test func knownAnswers() {
        var t = Image<UInt32>(width: 10, height: 1)
        var p = Image<UInt32>(width: 10, height: 1)
        for x in 0..<4 { t[x, 0] = 7 }          // truth A: x 0..3
        for x in 5..<10 { t[x, 0] = 9 }         // truth B: x 5..9
        for x in 0..<4 { p[x, 0] = 1 }          // exact match of A
        for x in 5..<7 { p[x, 0] = 2 }          // 2/5 of B: IoU 0.4
        let s = scoreInstances(truth: t, predicted: p)
        #expect(s.truthCount == 2 && s.predictedCount == 2)
        #expect(s.truePositives(at: 0.5) == 1 && s.truePositives(at: 0.95) == 1)
        #expect(s.f1(at: 0.5) == 0.5 && s.precision(at: 0.7) == 0.5 && s.recall(at: 0.7) == 0.5)
        #expect(abs(s.meanAP - 1.0 / 3) < 1e-12)
        #expect(s.countError == 0)
        let empty = scoreInstances(truth: Image(width: 3, height: 3), predicted: Image(width: 3, height: 3))
        #expect(empty.f1(at: 0.5) == 1 && empty.meanAP == 1)
    }

    /// Our scores equal score.py's on real (truth, predicted) pairs.
    @Test func matchesScorePy() throws {
        guard let python = TestEnvironment.python else {
            if TestEnvironment.isCI { Issue.record("no Python interpreter (set CELLAR_PYTHON)") }
            return
        }
        guard let reference = try TestEnvironment.sharedReference(for: "our scores vs score.py") else { return }
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory.appendingPathComponent("cellar-score-\(UUID().uuidString)").path
        try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: tmp) }
        let set = dataRoot + "/dsb_u2os_dev"
        let seg = WatershedSegmenter()
        var mine: [String: InstanceScores] = [:]
        for p in datasetPairs(set).prefix(6) {
            let pred = seg.segment(try ImageFile.read(p.image).floatImage())
            try ImageFile.writeTIFF(pred.map { UInt16($0) }, to: tmp + "/" + p.stem + ".tif")
            mine[p.stem] = scoreInstances(truth: try readLabels(p.labels), predicted: pred)
        }
        let json = tmp + "/s.json"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [reference + "/score.py", set + "/labels", tmp, "--json", json]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run(); p.waitUntilExit()
        try #require(p.terminationStatus == 0)
        // score.py writes NaN for undefined means; JSONSerialization wants null.
        let text = try String(contentsOfFile: json, encoding: .utf8).replacingOccurrences(of: "NaN", with: "null")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let perImage = try #require(root["per_image"] as? [String: [String: Any]])
        #expect(perImage.count == mine.count)
        for (stem, ref) in perImage {
            let s = try #require(mine[stem])
            #expect(ref["n_gt"] as? Int == s.truthCount)
            #expect(ref["n_pred"] as? Int == s.predictedCount)
            for (key, value) in [("f1@0.5", s.f1(at: 0.5)), ("f1@0.7", s.f1(at: 0.7)), ("precision@0.5", s.precision(at: 0.5)),
                                 ("recall@0.7", s.recall(at: 0.7)), ("mAP", s.meanAP), ("matched_mean_iou@0.5", s.matchedMeanIoU)] {
                let r = try #require(ref[key] as? Double, "\(key)")
                #expect(abs(r - value) < 1e-6, "\(stem) \(key): score.py \(r) vs \(value)")
            }
        }
        let summary = try #require(root["summary"] as? [String: Any])
        let agg = InstanceScoreSummary(perImage.keys.sorted().map { mine[$0]! })
        for (key, value) in [("f1@0.5", agg.f1(at: 0.5)), ("f1@0.7", agg.f1(at: 0.7)), ("precision@0.5", agg.precision(at: 0.5)),
                             ("recall@0.5", agg.recall(at: 0.5)), ("mAP_dsb2018", agg.meanAP),
                             ("mean_abs_count_error_per_image", agg.meanAbsoluteCountError),
                             ("mean_rel_count_error_per_image", agg.meanRelativeCountError),
                             ("matched_mean_iou_at_0_5", agg.matchedMeanIoU)] {
            let r = try #require(summary[key] as? Double, "\(key)")
            #expect(abs(r - value) < 1e-6, "summary \(key): score.py \(r) vs \(value)")
        }
        #expect(summary["count_error"] as? Int == agg.countError)
    }
}
