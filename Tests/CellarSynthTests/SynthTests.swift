import CellarImage
import Foundation
import Testing

import CellarSynth

@Suite struct SynthFieldTests {
    static let field = synthesizeField(plate: "P1", well: "B03", site: 2, seed: 1)

    @Test func sameSeedGivesIdenticalField() {
        let again = synthesizeField(plate: "P1", well: "B03", site: 2, seed: 1)
        #expect(again.image == Self.field.image)
        #expect(again.labels == Self.field.labels)
        #expect(again.nucleusCount == Self.field.nucleusCount)
    }

    @Test func reusedSynthesizerMatchesFreshOne() {
        var s = FieldSynthesizer(parameters: SynthParameters(size: 1024))
        _ = s.synthesize(PlateField(plate: "P1", well: "A01", site: 1), seed: 1)  // dirty the scratch
        let f = s.synthesize(PlateField(plate: "P1", well: "B03", site: 2), seed: 1)
        #expect(f.image == Self.field.image)
        #expect(f.labels == Self.field.labels)
    }

    @Test func differentSiteOrSeedGivesDifferentField() {
        let other = synthesizeField(plate: "P1", well: "B03", site: 3, seed: 1, size: 256)
        let same = synthesizeField(plate: "P1", well: "B03", site: 2, seed: 1, size: 256)
        let reseeded = synthesizeField(plate: "P1", well: "B03", site: 2, seed: 2, size: 256)
        #expect(other.image != same.image)
        #expect(other.labels != same.labels)
        #expect(reseeded.image != same.image)
    }

    @Test func nucleusCountInReferenceRange() {
        for site in 1...4 {
            let f = synthesizeField(plate: "P2", well: "C07", site: site, seed: 7)
            #expect((200...300).contains(f.nucleusCount), "site \(site): \(f.nucleusCount) nuclei")
        }
        #expect((200...300).contains(Self.field.nucleusCount))
    }

    @Test func labelsAreConsecutiveAndNonEmpty() {
        let f = Self.field
        var area = [Int](repeating: 0, count: f.nucleusCount + 1)
        var maxLabel = 0
        for v in f.labels.pixels {
            maxLabel = max(maxLabel, Int(v))
            if Int(v) <= f.nucleusCount { area[Int(v)] += 1 }
        }
        #expect(maxLabel == f.nucleusCount)
        #expect(area.dropFirst().allSatisfy { $0 > 0 })
        // Nuclei have area-equivalent radius 8–20 px: most areas fall in 200–1257 px.
        let interior = area.dropFirst().sorted()
        let median = interior[interior.count / 2]
        #expect((300...900).contains(median), "median area \(median)")
        // Foreground fraction ≈ 15–25 % of the field.
        let fg = Double(f.labels.pixels.count - area[0]) / Double(f.labels.pixels.count)
        #expect(fg > 0.10 && fg < 0.30, "foreground fraction \(fg)")
    }

    @Test func imageHasRealisticContrast() {
        let f = Self.field
        var bg = [UInt16](), fg = [UInt16]()
        for (v, l) in zip(f.image.pixels, f.labels.pixels) {
            if l == 0 { bg.append(v) } else { fg.append(v) }
        }
        bg.sort(); fg.sort()
        let bgMedian = Double(bg[bg.count / 2]), fgMedian = Double(fg[fg.count / 2])
        // Offset 100 ADU + 150–400 e⁻ background (after vignetting), nuclei 1500–3000 e⁻ peak.
        #expect(bgMedian > 150 && bgMedian < 700, "background median \(bgMedian)")
        #expect(fgMedian > 2 * bgMedian, "foreground median \(fgMedian) vs background \(bgMedian)")
        #expect(fg.last! > 2000 && fg.last! < 65535, "max \(fg.last!)")
        #expect(bg.first! > 0, "no clipping to 0")
        // Noise: the background is not flat.
        #expect(bg[bg.count * 9 / 10] - bg[bg.count / 10] > 10)
    }

    @Test func smallFieldsScaleNucleusCount() {
        let p = SynthParameters(size: 256)
        #expect(p.nucleiCount == 12...18)
        let f = synthesizeField(plate: "P1", well: "A01", site: 1, seed: 3, size: 256)
        #expect(f.image.width == 256 && f.labels.height == 256)
        #expect(f.nucleusCount >= 10 && f.nucleusCount <= 19)
    }

    @Test func clustersTouchOrOverlap() {
        let f = Self.field
        let clustered = f.nuclei.filter { $0.cluster > 0 }.count
        #expect(Double(clustered) > 0.15 * Double(f.nuclei.count))
        // Some pairs of labels share a boundary (touching nuclei).
        let w = f.labels.width
        var touching = Set<UInt32>()
        f.labels.pixels.withUnsafeBufferPointer { l in
            for y in 0..<f.labels.height {
                for x in 0..<(w - 1) {
                    let a = l[y * w + x], b = l[y * w + x + 1]
                    if a != 0 && b != 0 && a != b { touching.insert(UInt32(min(a, b)) << 16 | UInt32(max(a, b))) }
                }
            }
        }
        #expect(touching.count > 10, "\(touching.count) touching pairs")
    }
}

@Suite struct RandomTests {
    @Test func gaussianTableHasUnitMoments() {
        var buf = [Float](repeating: 0, count: 1 << 18)
        buf.withUnsafeMutableBufferPointer { GaussianTable.fill($0, key: 42) }
        let mean = buf.reduce(0.0) { $0 + Double($1) } / Double(buf.count)
        let variance = buf.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(buf.count)
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1) < 0.02)
        #expect(abs(inverseNormalCDF(0.975) - 1.959964) < 1e-5)
    }

    @Test func blurPreservesConstantAndMass() {
        let w = 37, h = 23
        var img = [Float](repeating: 5, count: w * h)
        var scratch = [Float](repeating: 0, count: w * h), pad = [Float](repeating: 0, count: w + 20)
        let k = halfGaussianKernel(sigma: 1.7)
        img.withUnsafeMutableBufferPointer { d in
            scratch.withUnsafeMutableBufferPointer { s in
                pad.withUnsafeMutableBufferPointer { p in
                    gaussianBlurInPlace(d, width: w, height: h, halfKernel: k, scratch: s, rowPad: p)
                }
            }
        }
        #expect(img.allSatisfy { abs($0 - 5) < 1e-4 })
    }
}
