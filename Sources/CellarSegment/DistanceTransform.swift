import CellarImage

/// Exact Euclidean distance transform (distance of every foreground pixel to the nearest
/// background pixel; `scipy.ndimage.distance_transform_edt`), linear time:
/// a column pass (two sweeps over the foreground runs) and, per row, the
/// Felzenszwalb–Huttenlocher lower envelope of parabolas — evaluated only over each
/// foreground run and its two background neighbours, which is exact because the
/// nearest in-row background is at most the run's end away. The envelope uses integer
/// arithmetic (cross-multiplied intersection tests, no division). Pixels outside the
/// image do not count as background (a column with no background has infinite distance).
struct DistanceTransformer {
    private var up: [Int32] = []
    private var rowFg: [Int32] = []
    private var segStart: [Int32] = []
    private var segEnd: [Int32] = []
    private var lastFg: [Int32] = []
    private var gRow: [Int] = []
    private var v: [Int] = []
    private var f: [Int] = []
    private var big: [Int] = []
    private var flt: [Float] = []
    private var gRowF: [Float] = []

    static let infinity: Float = 1e20
    /// Runs with at most this many candidate columns take the branch-free all-pairs minimum
    /// instead of the lower envelope (faster for nuclei-sized runs).
    static let bruteForceColumns = 72
    private static let intInfinity = 1 << 40

    /// Writes the distances of the foreground pixels (`runs`) into `out`; background pixels
    /// are not written, so `out` must already be 0 there (the caller clears the previous
    /// field's foreground instead of the whole image).
    ///
    /// The column distances come from two sweeps over the foreground runs only, with per-column
    /// state (where the current vertical foreground segment started / ends), so no pass
    /// touches background pixels. O(fg pixels + width + height).
    mutating func transform(runs: RunSet, into out: UnsafeMutablePointer<Float>) {
        let w = runs.width, h = runs.height, n = w * h
        if n == 0 { return }
        var fg = 0
        for r in 0..<runs.count { fg += Int(runs.end[r] - runs.start[r]) }
        if up.count < fg { up = [Int32](repeating: 0, count: max(fg, 2 * up.count)) }
        if rowFg.count < h { rowFg = [Int32](repeating: 0, count: h) }
        if segStart.count < w {
            segStart = [Int32](repeating: 0, count: w); segEnd = segStart; lastFg = segStart
            gRow = [Int](repeating: 0, count: w); gRowF = [Float](repeating: 0, count: w)
        }
        if v.count < w + 2 { v = [Int](repeating: 0, count: w + 2); f = v; big = v; flt = [Float](repeating: 0, count: w + 2) }
        let inf = Self.infinity, iinf = Self.intInfinity
        let H = Int32(h)
        rowFg.withUnsafeMutableBufferPointer { rfb in
        up.withUnsafeMutableBufferPointer { ub in
        segStart.withUnsafeMutableBufferPointer { ssb in
        segEnd.withUnsafeMutableBufferPointer { seb in
        lastFg.withUnsafeMutableBufferPointer { lfb in
        gRow.withUnsafeMutableBufferPointer { grb in
        v.withUnsafeMutableBufferPointer { vb in
        f.withUnsafeMutableBufferPointer { fb in
        big.withUnsafeMutableBufferPointer { bb in
        flt.withUnsafeMutableBufferPointer { flb in
        gRowF.withUnsafeMutableBufferPointer { gfb in
            let rf = rfb.baseAddress!, u = ub.baseAddress!, ss = ssb.baseAddress!, se = seb.baseAddress!, lf = lfb.baseAddress!
            let fl = flb.baseAddress!, gf = gfb.baseAddress!
            let gr = grb.baseAddress!, vv = vb.baseAddress!, ff = fb.baseAddress!, F = bb.baseAddress!
            // Downward: distance to the background above (Int32.max: none in the column).
            lf.update(repeating: -2, count: w)
            // `up` is compact: the foreground pixels in raster order (rowFg[y] = first of row y),
            // so it stays in cache between the two sweeps.
            var j = 0
            for y in 0..<h {
                let y32 = Int32(y)
                rf[y] = Int32(j)
                for r in Int(runs.rowStart[y])..<Int(runs.rowStart[y + 1]) {
                    for x in Int(runs.start[r])..<Int(runs.end[r]) {
                        if lf[x] != y32 - 1 { ss[x] = y32 }
                        lf[x] = y32
                        u[j] = ss[x] == 0 ? .max : y32 &- ss[x] &+ 1
                        j += 1
                    }
                }
            }
            // Upward: distance to the background below; then each row's envelope.
            lf.update(repeating: -2, count: w)
            for y in stride(from: h - 1, through: 0, by: -1) {
                let y32 = Int32(y), o = out + y * w
                let r0 = Int(runs.rowStart[y]), r1 = Int(runs.rowStart[y + 1])
                var j = Int(rf[y])
                for r in r0..<r1 {
                    for x in Int(runs.start[r])..<Int(runs.end[r]) {
                        if lf[x] != y32 + 1 { se[x] = y32 }
                        lf[x] = y32
                        let dn: Int32 = se[x] == H - 1 ? .max : se[x] &+ 1 &- y32
                        let g = min(u[j], dn)
                        j += 1
                        gr[x] = g == .max ? iinf : Int(g) &* Int(g)
                        gf[x] = g == .max ? inf : Float(Int(g) &* Int(g))
                    }
                }
                for r in r0..<r1 {
                    let s = Int(runs.start[r]), e = Int(runs.end[r])
                    let lo = max(s - 1, 0), hi = min(e, w - 1)   // candidate columns
                    let cnt = hi - lo + 1
                    if cnt <= Self.bruteForceColumns && h < 4000 {
                        // Short run: the minimum over all candidates, eight pixels at a time,
                        // in Float — exact, as every finite sum is an integer below 2^24.
                        for q in 0..<cnt {
                            let c = lo + q
                            fl[q] = c < s || c >= e ? 0 : gf[c]     // neighbours are background
                        }
                        var x = s
                        while x < e {
                            let q0 = Float(x - lo)
                            let xs = SIMD8<Float>(q0, q0 + 1, q0 + 2, q0 + 3, q0 + 4, q0 + 5, q0 + 6, q0 + 7)
                            var best = SIMD8<Float>(repeating: .infinity)
                            for q in 0..<cnt {
                                let d = xs - SIMD8<Float>(repeating: Float(q))
                                let v = d * d + SIMD8<Float>(repeating: fl[q])
                                best = best.replacing(with: v, where: v .< best)
                            }
                            let d = best.squareRoot().replacing(with: inf, where: best .>= inf)
                            if x + 8 <= e {
                                UnsafeMutableRawPointer(o + x).storeBytes(of: d, as: SIMD8<Float>.self)
                            } else {
                                for i in 0..<(e - x) { o[x + i] = d[i] }
                            }
                            x += 8
                        }
                        continue
                    }
                    for q in 0..<cnt {
                        let c = lo + q
                        let fq = c < s || c >= e ? 0 : gr[c]     // neighbours are background
                        ff[q] = fq; F[q] = fq &+ q &* q
                    }
                    // Lower envelope: parabola q hides v[k] when their intersection is at or
                    // left of v[k]'s own left boundary (intersection with v[k−1]).
                    var k = 0
                    vv[0] = 0
                    if cnt > 1 {
                        for q in 1..<cnt {
                            let Fq = F[q]
                            while k > 0 {
                                let p = vv[k], pp = vv[k - 1]
                                if (Fq &- F[p]) &* (p &- pp) <= (F[p] &- F[pp]) &* (q &- p) { k -= 1 } else { break }
                            }
                            k += 1
                            vv[k] = q
                        }
                    }
                    let last = k
                    k = 0
                    for x in s..<e {
                        let q = x - lo
                        // Advance while the next parabola's region starts left of q.
                        while k < last && F[vv[k + 1]] &- F[vv[k]] < 2 &* q &* (vv[k + 1] &- vv[k]) { k += 1 }
                        let p = vv[k], d = q - p
                        let d2 = ff[p] &+ d &* d
                        o[x] = d2 >= iinf ? inf : Float(d2).squareRoot()
                    }
                }
            }
        }}}}}}}}}}}
    }
}

/// Exact Euclidean distance transform of `mask` (non-zero = foreground): each foreground
/// pixel's distance to the nearest zero pixel, 0 on background. Same as
/// `scipy.ndimage.distance_transform_edt(mask != 0)` when the mask has a background
/// pixel; with none, distances are `1e20`. O(width × height).
public func euclideanDistanceTransform(_ mask: Image<UInt32>) -> Image<Float> {
    var runs = RunSet()
    var out = Image<Float>(width: mask.width, height: mask.height)
    if mask.count == 0 { return out }
    mask.pixels.withUnsafeBufferPointer { runs.build(fromLabels: $0.baseAddress!, width: mask.width, height: mask.height) }
    var t = DistanceTransformer()
    out.pixels.withUnsafeMutableBufferPointer { t.transform(runs: runs, into: $0.baseAddress!) }
    return out
}
