import CellarImage
import CellarSynth
import CellarTestSupport
import Foundation
import Testing

/// Compares the statistics of Cellar's synthetic fields with fields from
/// `../shared/reference/synth_plate.py` (run through Python, when it is there), so the two generators
/// stay interchangeable for segmentation benchmarks.
@Suite struct ReferenceComparisonTests {
    static let fieldsPerSide = 10

    /// Per-field statistics averaged over fields.
    struct Stats: Codable {
        var count = 0.0, medianArea = 0.0, foregroundFraction = 0.0
        var backgroundMedian = 0.0, nuclearMeanMedian = 0.0
    }

    static func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func stats(image: [UInt16], labels: [UInt16], count: Int) -> Stats {
        var area = [Double](repeating: 0, count: count + 1), sum = [Double](repeating: 0, count: count + 1)
        var histogram = [Int](repeating: 0, count: 65536)  // background values; median in O(n)
        image.withUnsafeBufferPointer { img in
            labels.withUnsafeBufferPointer { lab in
                for i in img.indices {
                    let l = Int(lab[i]), v = img[i]
                    area[l] += 1; sum[l] += Double(v)
                    if l == 0 { histogram[Int(v)] += 1 }
                }
            }
        }
        var seen = 0, backgroundMedian = 0.0
        for (v, c) in histogram.enumerated() where c > 0 {
            seen += c
            if 2 * seen >= Int(area[0]) { backgroundMedian = Double(v); break }
        }
        let areas = Array(area.dropFirst())
        let means = (1...max(count, 1)).map { sum[$0] / max(area[$0], 1) }
        return Stats(count: Double(count), medianArea: median(areas),
                     foregroundFraction: 1 - area[0] / Double(image.count),
                     backgroundMedian: backgroundMedian, nuclearMeanMedian: median(means))
    }

    static func average(_ s: [Stats]) -> Stats {
        let n = Double(s.count)
        return Stats(count: s.map(\.count).reduce(0, +) / n,
                     medianArea: s.map(\.medianArea).reduce(0, +) / n,
                     foregroundFraction: s.map(\.foregroundFraction).reduce(0, +) / n,
                     backgroundMedian: s.map(\.backgroundMedian).reduce(0, +) / n,
                     nuclearMeanMedian: s.map(\.nuclearMeanMedian).reduce(0, +) / n)
    }

    static let script = """
        import json, sys
        import numpy as np
        sys.path.insert(0, sys.argv[1])
        import synth_plate
        out = []
        for i in range(int(sys.argv[2])):
            img, lab, info = synth_plate.make_image(1, i, 1024)
            n = int(lab.max())
            area = np.bincount(lab.ravel(), minlength=n + 1).astype(float)
            s = np.bincount(lab.ravel(), weights=img.ravel().astype(float), minlength=n + 1)
            out.append(dict(count=float(n), medianArea=float(np.median(area[1:])),
                            foregroundFraction=float(1 - area[0] / lab.size),
                            backgroundMedian=float(np.median(img[lab == 0])),
                            nuclearMeanMedian=float(np.median(s[1:] / np.maximum(area[1:], 1)))))
        print(json.dumps(out))
        """

    @Test func statisticsMatchReferenceGenerator() throws {
        guard let python = TestEnvironment.python else {
            let message = "no Python for synth_plate.py (set CELLAR_PYTHON or run `make venv`)"
            if TestEnvironment.isCI { Issue.record(Comment(rawValue: message)) }
            else { print("skipping reference comparison: \(message)") }
            return
        }
        guard let reference = try TestEnvironment.sharedReference(for: "synthetic statistics vs synth_plate.py") else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", Self.script, reference, String(Self.fieldsPerSide)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "synth_plate.py failed")
        let py = Self.average(try JSONDecoder().decode([Stats].self, from: data))

        var synth = FieldSynthesizer()
        let sw = Self.average((1...Self.fieldsPerSide).map { site in
            let f = synth.synthesize(PlateField(plate: "CMP", well: "A01", site: site), seed: 1)
            return Self.stats(image: f.image.pixels, labels: f.labels.pixels, count: f.nucleusCount)
        })
        print("reference vs cellar (mean of \(Self.fieldsPerSide) fields):",
              "count \(py.count) / \(sw.count); median area \(py.medianArea) / \(sw.medianArea);",
              "foreground \(py.foregroundFraction) / \(sw.foregroundFraction);",
              "background median \(py.backgroundMedian) / \(sw.backgroundMedian);",
              "nuclear mean median \(py.nuclearMeanMedian) / \(sw.nuclearMeanMedian)")
        func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool { abs(a - b) <= tolerance * max(a, b) }
        #expect(close(py.count, sw.count, 0.12))
        #expect(close(py.medianArea, sw.medianArea, 0.10))
        #expect(close(py.foregroundFraction, sw.foregroundFraction, 0.15))
        #expect(close(py.backgroundMedian, sw.backgroundMedian, 0.20))
        #expect(close(py.nuclearMeanMedian, sw.nuclearMeanMedian, 0.20))
    }
}
