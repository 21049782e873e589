import CellarImage
import Testing
@testable import CellarSegment

/// Necks between overlapping nuclei (``ConcavitySplitter``) on drawn shapes.
@Suite struct ConcavitySplitTests {
    /// A background image with `shapes` painted at 200.
    private func scene(width: Int = 120, height: Int = 80, _ paint: (inout Image<Float>) -> Void) -> Image<Float> {
        var img = Image<Float>(width: width, height: height, fill: 10)
        paint(&img)
        return img
    }

    private func count(_ img: Image<Float>, splitting: Bool = true) -> Int {
        var p = SegmentationParameters()
        if !splitting { p.splitDepth = 0 }
        return Int(WatershedSegmenter(parameters: p).segment(img).pixels.max() ?? 0)
    }

    @Test func smallNucleusPressedIntoALargeOneIsCut() {
        // The distance map has no maximum in the small disk: only the neck shows it.
        let img = scene { paintDisk(&$0, cx: 45, cy: 40, r: 17, value: 200); paintDisk(&$0, cx: 65, cy: 40, r: 9, value: 200) }
        #expect(count(img, splitting: false) == 1)
        let labels = WatershedSegmenter().segment(img)
        #expect(labels.pixels.max() == 2)
        // The cut runs near the chord between the two disks' intersections (x ≈ 58).
        #expect(labels[45, 40] != labels[68, 40])
        #expect(labels[52, 40] == labels[45, 40] && labels[62, 40] == labels[68, 40])
    }

    @Test func chainOfThreeComesApart() {
        let img = scene(width: 160) {
            paintDisk(&$0, cx: 40, cy: 40, r: 16, value: 200)
            paintDisk(&$0, cx: 66, cy: 40, r: 13, value: 200)
            paintDisk(&$0, cx: 90, cy: 40, r: 15, value: 200)
        }
        #expect(count(img) == 3)
    }

    @Test func convexShapesStayWhole() {
        // An ellipse (aspect 0.55) and a disk: no concavity, nothing to cut.
        let img = scene {
            for y in 0..<$0.height {
                for x in 0..<$0.width {
                    let u = (Double(x) - 35) / 20, v = (Double(y) - 40) / 11
                    if u * u + v * v <= 1 { $0[x, y] = 200 }
                }
            }
            paintDisk(&$0, cx: 90, cy: 40, r: 15, value: 200)
        }
        #expect(count(img) == 2)
    }

    @Test func aDentedNucleusIsNotCut() {
        // A bean: one deep concavity, and a convex side opposite it.
        let img = scene {
            paintDisk(&$0, cx: 60, cy: 40, r: 18, value: 200)
            for y in 0..<$0.height {
                for x in 0..<$0.width {
                    let dx = Double(x) - 60, dy = Double(y) - 18
                    if dx * dx + dy * dy <= 81 { $0[x, y] = 10 }
                }
            }
        }
        #expect(count(img) == 1)
    }

    @Test func necksAtTheImageBorderAreTraced() {
        // The pair is cut by the image's left edge: tracing stays inside the image.
        let img = scene { paintDisk(&$0, cx: 8, cy: 40, r: 17, value: 200); paintDisk(&$0, cx: 28, cy: 40, r: 9, value: 200) }
        #expect(count(img, splitting: false) == 1)
        let labels = WatershedSegmenter().segment(img)
        #expect(labels.pixels.max() == 2)
        #expect(labels[0, 40] != 0 && labels[30, 40] != 0 && labels[0, 40] != labels[30, 40])
    }

    // NeckSplitter on finished label images (the U-Net path).

    /// Label image with disks painted as object `id`s (later ones on top).
    private func labelImage(width: Int = 120, height: Int = 80, _ disks: [(x: Double, y: Double, r: Double, id: UInt32)]) -> Image<UInt32> {
        var l = Image<UInt32>(width: width, height: height)
        for d in disks {
            for y in 0..<height {
                for x in 0..<width where (Double(x) - d.x) * (Double(x) - d.x) + (Double(y) - d.y) * (Double(y) - d.y) <= d.r * d.r {
                    l[x, y] = d.id
                }
            }
        }
        return l
    }

    @Test func neckSplitterCutsAndRenumbers() {
        // Object 1: a pair with a neck; object 2: a lone disk. After the cut: three objects,
        // numbered by first pixel in raster order.
        var l = labelImage([(40, 40, 17, 1), (60, 40, 9, 1), (100, 20, 10, 2)])
        var splitter = NeckSplitter()
        #expect(splitter.split(&l, parameters: SegmentationParameters()) == 3)
        #expect(l.pixels.max() == 3 && Set(l.pixels).count == 4)
        #expect(l[40, 40] != l[63, 40] && l[40, 40] != 0 && l[63, 40] != 0)
        var off = SegmentationParameters(); off.splitDepth = 0
        var m = labelImage([(40, 40, 17, 1), (60, 40, 9, 1)])
        #expect(splitter.split(&m, parameters: off) == 1)
    }

    @Test func aStrayPixelDoesNotHideTheNeck() {
        // The object's first pixel in raster order is a detached speck.
        var l = labelImage([(40, 40, 17, 1), (60, 40, 9, 1)])
        l[40, 5] = 1
        var splitter = NeckSplitter()
        #expect(splitter.split(&l, parameters: SegmentationParameters()) == 2)
        #expect(l[40, 40] != l[63, 40])
    }

    @Test func aDetachedPieceIsNotASideOfTheCut() {
        // Same label on a separate disk: the neck cut makes two objects of the pair, and the
        // separate disk stays with one of them rather than becoming a third object.
        var l = labelImage([(40, 40, 17, 1), (60, 40, 9, 1), (100, 60, 12, 1)])
        var splitter = NeckSplitter()
        #expect(splitter.split(&l, parameters: SegmentationParameters()) == 2)
        #expect(l[40, 40] != l[63, 40])
    }
}
