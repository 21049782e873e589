import CellarBench
import CellarImage
import CellarSegment
import Foundation
import Testing

@Suite struct SegmenterTests {
    func objects(_ l: Image<UInt32>) -> Int { Int(l.pixels.max() ?? 0) }

    /// Labels must be exactly 1…N.
    func expectConsecutive(_ l: Image<UInt32>) {
        let present = Set(l.pixels.filter { $0 != 0 })
        #expect(present == Set((0..<UInt32(present.count)).map { $0 + 1 }))
    }

    @Test func twoTouchingDisksSplitNearBisector() {
        var img = Image<Float>(width: 100, height: 60, fill: 10)
        paintDisk(&img, cx: 35, cy: 30, r: 14, value: 200)
        paintDisk(&img, cx: 60, cy: 30, r: 14, value: 200)   // overlap: centres 25 apart
        let l = WatershedSegmenter().segment(img)
        #expect(objects(l) == 2)
        expectConsecutive(l)
        // The dividing line is at x ≈ 47.5 on the centre row.
        let row = (0..<100).map { l[$0, 30] }
        let a = row[35], b = row[60]
        #expect(a != 0 && b != 0 && a != b)
        let lastA = row.lastIndex(of: a)!
        #expect(abs(Double(lastA) - 47.5) <= 2)
    }

    @Test func ringBecomesOneFilledObject() {
        var img = Image<Float>(width: 80, height: 80, fill: 5)
        paintDisk(&img, cx: 40, cy: 40, r: 20, value: 100)
        var hole = Image<Float>(width: 80, height: 80)
        paintDisk(&hole, cx: 40, cy: 40, r: 8, value: 1)
        for i in 0..<img.count where hole.pixels[i] > 0 { img.pixels[i] = 5 }
        let l = WatershedSegmenter(parameters: SegmentationParameters(diameter: 40)).segment(img)
        #expect(objects(l) == 1)
        #expect(l[40, 40] == 1)   // the hole is filled
    }

    @Test func borderObjectsKeptOrCleared() {
        var img = Image<Float>(width: 120, height: 80, fill: 0)
        paintDisk(&img, cx: 0, cy: 40, r: 12, value: 100)     // cut by the left border
        paintDisk(&img, cx: 60, cy: 40, r: 12, value: 100)    // inside
        paintDisk(&img, cx: 110, cy: 79, r: 12, value: 100)   // bottom-right corner
        var p = SegmentationParameters()
        #expect(objects(WatershedSegmenter(parameters: p).segment(img)) == 3)
        p.clearBorder = true
        let l = WatershedSegmenter(parameters: p).segment(img)
        #expect(objects(l) == 1)
        #expect(l[60, 40] == 1)
    }

    @Test func degenerateImages() {
        let seg = WatershedSegmenter()
        #expect(objects(seg.segment(Image<Float>(width: 64, height: 64))) == 0)
        #expect(objects(seg.segment(Image<Float>(width: 64, height: 64, fill: 1234))) == 0)
        #expect(objects(seg.segment(Image<Float>(width: 1, height: 1, fill: 3))) == 0)
        #expect(seg.segment(Image<Float>(width: 0, height: 0)).count == 0)
        // All foreground (manual threshold below everything): one object covering the image.
        var p = SegmentationParameters()
        p.manualThreshold = 0
        let all = WatershedSegmenter(parameters: p).segment(Image<Float>(width: 50, height: 40, fill: 9))
        #expect(objects(all) == 1)
        #expect(all.pixels.allSatisfy { $0 == 1 })
        // 1 × 1 foreground with minArea 1.
        p.minArea = 1
        #expect(WatershedSegmenter(parameters: p).segment(Image<Float>(width: 1, height: 1, fill: 3)).pixels == [1])
    }

    @Test func oneHugeNucleus() {
        var img = Image<Float>(width: 400, height: 400, fill: 20)
        paintDisk(&img, cx: 200, cy: 200, r: 150, value: 300)
        let l = WatershedSegmenter(parameters: SegmentationParameters(diameter: 300)).segment(img)
        #expect(objects(l) == 1)
        var p = SegmentationParameters(diameter: 300)
        p.maxArea = 10_000
        #expect(objects(WatershedSegmenter(parameters: p).segment(img)) == 0)
    }

    @Test func tenThousandTinyNuclei() {
        // 100 × 100 grid of 3 × 3 squares, pitch 6.
        var img = Image<Float>(width: 600, height: 600, fill: 0)
        for gy in 0..<100 { for gx in 0..<100 { for dy in 1...3 { for dx in 1...3 { img[gx * 6 + dx, gy * 6 + dy] = 100 } } } }
        var p = SegmentationParameters(diameter: 3)
        p.sigma = 0
        p.minArea = 1
        let l = WatershedSegmenter(parameters: p).segment(img)
        #expect(objects(l) == 10_000)
        expectConsecutive(l)
    }

    @Test func diameterScalesParameters() {
        let p = SegmentationParameters(diameter: 52)
        let q = SegmentationParameters()
        #expect(p.sigma == 2 * q.sigma && p.minDistance == 2 * q.minDistance && p.minArea == 4 * q.minArea)
        #expect(q.diameter == SegmentationParameters.defaultDiameter)
    }

    @Test func profileIsFilledWhenOn() {
        var img = Image<Float>(width: 100, height: 60, fill: 10)
        paintDisk(&img, cx: 35, cy: 30, r: 14, value: 200)
        let seg = WatershedSegmenter()
        _ = seg.segment(img)
        #expect(seg.lastProfile.total == 0)
        seg.profiling = true
        _ = seg.segment(img)
        #expect(seg.lastProfile.total > 0 && seg.lastProfile.objects == 1)
    }

    @Test func cameraOffsetDoesNotBreakThresholdCorrection() {
        // Same scene with a +33000 offset segments identically.
        var img = Image<Float>(width: 100, height: 60, fill: 10)
        paintDisk(&img, cx: 35, cy: 30, r: 12, value: 200)
        paintDisk(&img, cx: 75, cy: 30, r: 10, value: 150)
        let a = WatershedSegmenter().segment(img)
        let b = WatershedSegmenter().segment(img.map { $0 + 33000 })
        #expect(objects(a) == 2)
        #expect(a == b)
    }
}

@Suite struct ParameterTests {
    @Test func codableRoundTrip() throws {
        var p = SegmentationParameters(diameter: 60, maxArea: 5000, clearBorder: true)
        p.manualThreshold = 12.5
        let data = try JSONEncoder().encode(p)
        #expect(try JSONDecoder().decode(SegmentationParameters.self, from: data) == p)
    }

    @Test func saddleMergingJoinsHeavilyOverlappingDisks() {
        var img = Image<Float>(width: 100, height: 60, fill: 10)
        paintDisk(&img, cx: 40, cy: 30, r: 14, value: 200)
        paintDisk(&img, cx: 58, cy: 30, r: 14, value: 200)   // deep overlap, shallow neck
        var p = SegmentationParameters()
        p.minDistance = 3
        p.splitDepth = 0   // the neck cut would undo the merge
        #expect(WatershedSegmenter(parameters: p).segment(img).pixels.max() == 2)
        p.mergeRatio = 0.7
        #expect(WatershedSegmenter(parameters: p).segment(img).pixels.max() == 1)
    }

    @Test func benchmarkReportsStages() {
        var img = Image<Float>(width: 100, height: 60, fill: 10)
        paintDisk(&img, cx: 35, cy: 30, r: 14, value: 200)
        let prof = SegmentationBenchmark.run([img, img], passes: 2)
        #expect(prof.objects == 2 && prof.total > 0)
        #expect(prof.stages.map(\.name) == ["blur", "threshold", "distance", "markers", "watershed", "split", "cleanup"])
    }
}
