import CellarImage

/// A 256-bin intensity histogram over `[min, max]` of an image, binned exactly as
/// `numpy.histogram(image, bins=256)` does for a float32 image (the histogram
/// `skimage.filters.threshold_otsu` uses).
public struct IntensityHistogram: Sendable, Equatable {
    public static let binCount = 256
    /// Smallest and largest pixel value.
    public var minimum: Float
    public var maximum: Float
    /// Pixel count per bin (all zero except bin 0 for a constant image).
    public var counts: [Int]
    /// Bin edges (`binCount + 1`, float32 as numpy computes them).
    public var edges: [Float]

    /// Bin centres `(edges[i] + edges[i+1]) / 2` in float32, as scikit-image.
    public var centers: [Float] { (0..<Self.binCount).map { (edges[$0] + edges[$0 + 1]) / 2 } }

    /// Builds the histogram. Two passes: min/max (vectorised), then binning.
    /// O(n). (`indexScratch` is no longer needed and left untouched.)
    public init(_ pixels: UnsafeBufferPointer<Float>, indexScratch: inout [Int32]) {
        let n = pixels.count
        var lo = Float.infinity, hi = -Float.infinity
        if n > 0 {
            let p = pixels.baseAddress!
            // Four independent lanes so the reduction vectorises.
            var lo4 = SIMD4<Float>(repeating: .infinity), hi4 = SIMD4<Float>(repeating: -.infinity)
            var i = 0
            while i + 4 <= n {
                let v = SIMD4<Float>(p[i], p[i + 1], p[i + 2], p[i + 3])
                lo4 = lo4.replacing(with: v, where: v .< lo4); hi4 = hi4.replacing(with: v, where: v .> hi4)
                i += 4
            }
            lo = lo4.min(); hi = hi4.max()
            while i < n { lo = min(lo, p[i]); hi = max(hi, p[i]); i += 1 }
        } else {
            lo = 0; hi = 0
        }
        self.init(pixels, minimum: lo, maximum: hi)
    }

    /// Builds the histogram of pixels whose minimum and maximum are already known (e.g.
    /// returned by ``GaussianBlur/apply(_:into:width:height:)``). One pass over the pixels:
    /// approximate bins are computed 256 at a time into a stack buffer (vectorised), then
    /// corrected against the edges and counted. O(n).
    public init(_ pixels: UnsafeBufferPointer<Float>, minimum lo: Float, maximum hi: Float) {
        let n = pixels.count
        let nb = Self.binCount
        var first = Double(lo), last = Double(hi)
        if first == last { first -= 0.5; last += 0.5 }   // numpy's degenerate range rule
        var e = [Float](repeating: 0, count: nb + 1)
        let step = (last - first) / Double(nb)
        for i in 0...nb { e[i] = Float(Double(i) * step + first) }
        e[nb] = Float(last)
        var c = [Int](repeating: 0, count: nb)
        if n > 0 {
            // A reciprocal instead of numpy's division: the bin may differ by one only when the
            // value is within rounding of an edge, and the edge correction below fixes that.
            let invDenom = 1 / Float(last - first), f0 = Float(first), nbf = Float(nb)
            // numpy's edge correction (branch-free), counted into four sub-histograms so
            // consecutive increments do not wait on each other.
            var sub = [Int32](repeating: 0, count: 4 * nb)
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 256) { ib in
            e.withUnsafeBufferPointer { eb in
            sub.withUnsafeMutableBufferPointer { sb in
                let idx = ib.baseAddress!, p = pixels.baseAddress!
                let ed = eb.baseAddress!, h = sb.baseAddress!
                var base = 0
                while base < n {
                    let m = min(256, n - base)
                    let q = p + base
                    // Float32 arithmetic like numpy's `(a - first) / denom * nbins` (vectorises).
                    // Approximate bin (floor via the 2^23 rounding trick, which vectorises);
                    // within ±1 of numpy's, and the edge correction below makes it exact.
                    for i in 0..<m {
                        // round(f − 0.5) = floor(f) except at exact integers; clamped to 0…nb−1.
                        let f = min(max(((q[i] - f0) * invDenom) * nbf - 0.5, 0), nbf - 1)
                        idx[i] = Int32(bitPattern: (f + 8_388_608).bitPattern & 0x7f_ffff)
                    }
                    @inline(__always) func bin(_ i: Int) -> Int {
                        var k = Int(idx[i])
                        let v = q[i]
                        if k > 0 && v < ed[k] { k -= 1 } else if k < nb - 1 && v >= ed[k + 1] { k += 1 }
                        return k
                    }
                    var i = 0
                    while i + 4 <= m {
                        h[bin(i)] &+= 1; h[nb + bin(i + 1)] &+= 1
                        h[2 * nb + bin(i + 2)] &+= 1; h[3 * nb + bin(i + 3)] &+= 1
                        i += 4
                    }
                    while i < m { h[bin(i)] &+= 1; i += 1 }
                    base += m
                }
            }}}
            for k in 0..<nb { c[k] = Int(sub[k]) + Int(sub[nb + k]) + Int(sub[2 * nb + k]) + Int(sub[3 * nb + k]) }
        }
        minimum = lo; maximum = hi; counts = c; edges = e
    }

    /// Otsu's threshold, same definition as `skimage.filters.threshold_otsu(image)`:
    /// the bin centre maximising the between-class variance; a constant image returns
    /// its value. O(bins).
    public func otsu() -> Float {
        if minimum == maximum { return minimum }
        let nb = Self.binCount
        let ctr = centers
        var w1 = [Double](repeating: 0, count: nb), m1 = w1, w2 = w1, m2 = w1
        var cw = 0.0, cs = 0.0
        for i in 0..<nb {
            cw += Double(counts[i]); cs += Double(counts[i]) * Double(ctr[i])
            w1[i] = cw; m1[i] = cs / cw
        }
        cw = 0; cs = 0
        for i in stride(from: nb - 1, through: 0, by: -1) {
            cw += Double(counts[i]); cs += Double(counts[i]) * Double(ctr[i])
            w2[i] = cw; m2[i] = cs / cw
        }
        var best = -Double.infinity, bestI = 0
        for i in 0..<(nb - 1) {
            let d = m1[i] - m2[i + 1]
            let v = w1[i] * w2[i + 1] * d * d
            // numpy argmax: first maximum; NaN (empty class) never wins unless all NaN.
            if v > best { best = v; bestI = i }
        }
        return ctr[bestI]
    }

    /// The value below which `fraction` of the pixels lie, at bin resolution
    /// (lower edge of the bin where the cumulative count reaches it). O(bins).
    public func percentile(_ fraction: Double) -> Float {
        let total = counts.reduce(0, +)
        if total == 0 || minimum == maximum { return minimum }
        let target = fraction * Double(total)
        var cum = 0
        for i in 0..<Self.binCount {
            cum += counts[i]
            if Double(cum) >= target { return i == 0 ? minimum : edges[i] }
        }
        return maximum
    }
}

/// Otsu's threshold of an image (`skimage.filters.threshold_otsu` definition). O(n).
public func otsuThreshold(_ image: Image<Float>) -> Float {
    var scratch: [Int32] = []
    return image.pixels.withUnsafeBufferPointer { IntensityHistogram($0, indexScratch: &scratch).otsu() }
}

/// CellProfiler-style threshold correction applied relative to the background level:
/// `background + scale · (threshold − background)`. With `background = 0` this is
/// CellProfiler's multiplicative "threshold correction factor"; measuring it from a low
/// percentile keeps the correction meaningful with a large camera offset.
@inlinable public func correctedThreshold(_ threshold: Float, background: Float, scale: Double) -> Float {
    background + Float(scale) * (threshold - background)
}
