import CellarImage

/// Exact Euclidean distance transform (distance of every foreground pixel to the nearest
/// background pixel; `scipy.ndimage.distance_transform_edt`), linear time:
/// a column pass (two vectorised sweeps over whole rows) and, per row, the
/// Felzenszwalb–Huttenlocher lower envelope of parabolas — evaluated only over each
/// foreground run and its two background neighbours, which is exact because the
/// nearest in-row background is at most the run's end away. The envelope uses integer
/// arithmetic (cross-multiplied intersection tests, no division). Pixels outside the
/// image do not count as background (a column with no background has infinite distance).
struct DistanceTransformer {
    private var column: [Float] = []
    private var rowMask: [Float] = []
    private var v: [Int] = []
    private var f: [Int] = []
    private var big: [Int] = []

    static let infinity: Float = 1e20
    private static let intInfinity = 1 << 40

    /// Writes the distances into `out` (0 on background); `runs` are the foreground runs.
    /// O(width × height).
    mutating func transform(runs: RunSet, into out: UnsafeMutablePointer<Float>) {
        let w = runs.width, h = runs.height, n = w * h
        if n == 0 { return }
        if column.count < n { column = [Float](repeating: 0, count: n) }
        if rowMask.count < w { rowMask = [Float](repeating: 0, count: w) }
        if v.count < w + 2 { v = [Int](repeating: 0, count: w + 2); f = v; big = v }
        let inf = Self.infinity
        column.withUnsafeMutableBufferPointer { cb in
        rowMask.withUnsafeMutableBufferPointer { mb in
            let g = cb.baseAddress!, m = mb.baseAddress!
            // Downward sweep: g = (g_above + 1) · fg, the row's fg built from its runs.
            for y in 0..<h {
                m.update(repeating: 0, count: w)
                for r in Int(runs.rowStart[y])..<Int(runs.rowStart[y + 1]) {
                    (m + Int(runs.start[r])).update(repeating: 1, count: Int(runs.end[r] - runs.start[r]))
                }
                let cur = g + y * w
                if y == 0 {
                    for x in 0..<w { cur[x] = inf * m[x] }
                } else {
                    let prev = cur - w
                    for x in 0..<w { cur[x] = (prev[x] + 1) * m[x] }
                }
            }
            // Upward sweep: g = min(g, g_below + 1).
            if h > 1 {
                for y in stride(from: h - 2, through: 0, by: -1) {
                    let cur = g + y * w, nxt = cur + w
                    for x in 0..<w { cur[x] = min(cur[x], nxt[x] + 1) }
                }
            }
        }}
        out.update(repeating: 0, count: n)
        let iinf = Self.intInfinity
        column.withUnsafeBufferPointer { cb in
        v.withUnsafeMutableBufferPointer { vb in
        f.withUnsafeMutableBufferPointer { fb in
        big.withUnsafeMutableBufferPointer { bb in
            let g = cb.baseAddress!, vv = vb.baseAddress!, ff = fb.baseAddress!, F = bb.baseAddress!
            for y in 0..<h {
                let gr = g + y * w, o = out + y * w
                for r in Int(runs.rowStart[y])..<Int(runs.rowStart[y + 1]) {
                    let s = Int(runs.start[r]), e = Int(runs.end[r])
                    let lo = max(s - 1, 0), hi = min(e, w - 1)   // candidate columns
                    let cnt = hi - lo + 1
                    for q in 0..<cnt {
                        let gq = gr[lo + q]
                        let fq = gq >= inf ? iinf : Int(gq) * Int(gq)
                        ff[q] = fq; F[q] = fq + q * q
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
                                if (Fq - F[p]) * (p - pp) <= (F[p] - F[pp]) * (q - p) { k -= 1 } else { break }
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
                        while k < last && F[vv[k + 1]] - F[vv[k]] < 2 * q * (vv[k + 1] - vv[k]) { k += 1 }
                        let p = vv[k], d = q - p
                        let d2 = ff[p] + d * d
                        o[x] = d2 >= iinf ? inf : Float(d2).squareRoot()
                    }
                }
            }
        }}}}
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
