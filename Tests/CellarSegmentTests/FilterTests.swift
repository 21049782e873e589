import CellarImage
@testable import CellarSegment
import Foundation
import Testing

@Suite struct FilterTests {
    /// a[y][x] = (7x + 13y) mod 11, 7 × 5.
    static let small = Image<Float>(width: 7, height: 5,
        pixels: (0..<5).flatMap { y in (0..<7).map { x in Float((x * 7 + y * 13) % 11) } })

    @Test func blurMatchesScikitImage() {
        // skimage.filters.gaussian(a, sigma=1.5, preserve_range=True) (mode='nearest',
        // truncate=4), scikit-image 0.26.0 / scipy 1.17.1, float32.
        let expected: [Float] = [2.8553884, 4.0495148, 5.0386639, 5.5471005, 5.5828166, 5.4722381, 5.5607042,
            3.4470198, 4.2242174, 4.9029207, 5.2901101, 5.3100977, 5.0389366, 4.7151499, 4.1926022, 4.449357,
            4.786983, 5.0898509, 5.1929116, 4.9610524, 4.4821644, 4.974402, 4.6917124, 4.6809797, 4.9405546,
            5.2353849, 5.2654119, 4.9399362, 5.6148152, 4.8692417, 4.5513401, 4.8126059, 5.3523626, 5.711988,
            5.6439867]
        let out = gaussianBlur(Self.small, sigma: 1.5)
        for (a, b) in zip(out.pixels, expected) { #expect(abs(a - b) < 1e-4) }
    }

    @Test func blurReflectMatchesScipy() {
        // scipy.ndimage.gaussian_filter(a, 1.0) (mode='reflect'), scipy 1.17.1.
        let expected: [Float] = [2.9239209, 4.4768653, 5.3715949, 5.9040823, 5.6601524, 4.9363613, 5.0582104,
            3.4119, 4.4851375, 5.0504541, 5.3583159, 5.5513167, 4.7460365, 3.8558939, 3.9309983, 4.2836218,
            4.8400578, 5.1440711, 5.5174708, 5.0483654, 3.8780677, 4.8516474, 4.3902855, 4.6373076, 4.9319067,
            5.3008652, 5.6313682, 5.1033754, 5.7356153, 4.500001, 4.1087799, 4.6114016, 5.3178759, 6.2463689,
            6.2003069]
        let out = gaussianBlur(Self.small, sigma: 1.0, border: .reflect)
        for (a, b) in zip(out.pixels, expected) { #expect(abs(a - b) < 1e-4) }
    }

    @Test func blurKeepsConstantAndSum() {
        let c = Image<Float>(width: 9, height: 4, fill: 3)
        #expect(gaussianBlur(c, sigma: 2).pixels.allSatisfy { abs($0 - 3) < 1e-5 })
        let one = Image<Float>(width: 1, height: 1, fill: 5)
        #expect(abs(gaussianBlur(one, sigma: 3).pixels[0] - 5) < 1e-5)
        #expect(gaussianHalfKernel(sigma: 2).count == 9)   // radius int(4·2 + 0.5) = 8
    }

    @Test func otsuMatchesScikitImageOnRealImages() throws {
        // Expected values computed once with .venv/bin/python (scikit-image 0.26.0):
        //   skimage.filters.threshold_otsu(tifffile.imread(p).astype(np.float32))
        // on the corpus's 16-bit camera-offset field (values 33058..38342): the histogram
        // spans a narrow band far from 0.
        let offset = try ImageFile.read(dataRoot + "/synthetic_offset16/images/offset16.tif").floatImage()
        #expect(otsuThreshold(offset) == 34306.7578125)
        //   skimage.filters.threshold_otsu(np.asarray(Image.open(p)).astype(np.float32)) -> 60.185546875
        //   …(filters.gaussian(img, sigma=2, preserve_range=True)) -> 59.671669006347656
        let dsb = try ImageFile.read(dataRoot + "/dsb_u2os_dev/images/07fb37aafa6626608af90c1e18f6a743f29b6b233d2e427dcd1102df6a916cf5.png").floatImage()
        #expect(otsuThreshold(dsb) == 60.185546875)
        #expect(abs(otsuThreshold(gaussianBlur(dsb, sigma: 2)) - 59.671669) < 1e-3)
    }

    @Test func otsuOfConstantAndTwoLevelImages() {
        #expect(otsuThreshold(Image<Float>(width: 4, height: 4, fill: 7)) == 7)
        var two = Image<Float>(width: 10, height: 1, fill: 10)
        for x in 5..<10 { two[x, 0] = 20 }
        let t = otsuThreshold(two)
        #expect(t > 10 && t < 20)
    }

    @Test func thresholdCorrectionIsRelativeToBackground() {
        #expect(correctedThreshold(100, background: 0, scale: 0.8) == 80)
        #expect(correctedThreshold(33500, background: 33000, scale: 0.8) == 33400)
    }

    @Test func distanceTransformMatchesBruteForce() {
        var rng = SplitMix(seed: 42)
        for trial in 0..<40 {
            let w = 1 + Int(rng.next() % 40), h = 1 + Int(rng.next() % 30)
            let density = Double(trial % 5 + 1) / 6
            var mask = Image<UInt32>(width: w, height: h)
            for i in 0..<mask.count where Double(rng.next() % 1000) / 1000 < density { mask.pixels[i] = 1 }
            let bg = (0..<mask.count).filter { mask.pixels[$0] == 0 }
            let d = euclideanDistanceTransform(mask)
            for y in 0..<h { for x in 0..<w {
                let i = y * w + x
                if mask.pixels[i] == 0 { #expect(d.pixels[i] == 0); continue }
                if bg.isEmpty { #expect(d.pixels[i] >= 1e19); continue }
                var best = Int.max
                for j in bg { let dx = j % w - x, dy = j / w - y; best = min(best, dx * dx + dy * dy) }
                #expect(abs(Double(d.pixels[i]) - Double(best).squareRoot()) < 1e-4, "trial \(trial) at \(x),\(y)")
            } }
        }
    }
}

/// Small deterministic generator for tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
