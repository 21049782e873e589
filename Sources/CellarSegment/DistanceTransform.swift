import CellarImage

/// Exact Euclidean distance transform (distance of every foreground pixel to the nearest
/// background pixel; `scipy.ndimage.distance_transform_edt`), linear time:
/// a column pass (two vectorised sweeps over whole rows) and, per row, the
/// Felzenszwalb–Huttenlocher lower envelope of parabolas — evaluated only over each
/// foreground run and its two background neighbours, which is exact because the
/// nearest in-row background is at most the run's end away. Pixels outside the image
/// do not count as background (a column with no background has infinite column distance).
struct DistanceTransformer {
    private var column: [Float] = []
    private var v: [Int32] = []
    private var z: [Float] = []
    private var f: [Float] = []

    static let infinity: Float = 1e20

    /// Writes the distances into `out` (0 on background). `runs` are the foreground runs
    /// and `foreground` a 0/1 Float mask of the same pixels. O(width × height).
    mutating func transform(runs: RunSet, foreground: UnsafePointer<Float>,
                            into out: UnsafeMutablePointer<Float>) {
        let w = runs.width, h = runs.height, n = w * h
        if column.count < n { column = [Float](repeating: 0, count: n) }
        if v.count < w + 2 { v = [Int32](repeating: 0, count: w + 2); z = [Float](repeating: 0, count: w + 3); f = [Float](repeating: 0, count: w + 2) }
        let inf = Self.infinity
        column.withUnsafeMutableBufferPointer { cb in
            let g = cb.baseAddress!
            // Downward sweep: g = (g_above + 1) · fg.
            for x in 0..<w { g[x] = inf * foreground[x] }
            if h > 1 {
                for y in 1..<h {
                    let cur = g + y * w, prev = cur - w, m = foreground + y * w
                    for x in 0..<w { cur[x] = (prev[x] + 1) * m[x] }
                }
                // Upward sweep: g = min(g, g_below + 1).
                for y in stride(from: h - 2, through: 0, by: -1) {
                    let cur = g + y * w, nxt = cur + w
                    for x in 0..<w { cur[x] = min(cur[x], nxt[x] + 1) }
                }
            }
            out.update(repeating: 0, count: n)
            v.withUnsafeMutableBufferPointer { vb in
            z.withUnsafeMutableBufferPointer { zb in
            f.withUnsafeMutableBufferPointer { fb in
                let vv = vb.baseAddress!, zz = zb.baseAddress!, ff = fb.baseAddress!
                for y in 0..<h {
                    let gr = g + y * w, o = out + y * w
                    for r in Int(runs.rowStart[y])..<Int(runs.rowStart[y + 1]) {
                        let s = Int(runs.start[r]), e = Int(runs.end[r])
                        let lo = max(s - 1, 0), hi = min(e, w - 1)   // candidate columns
                        let m = hi - lo + 1
                        for q in 0..<m { let gq = gr[lo + q]; ff[q] = gq >= inf ? inf : gq * gq }
                        // Lower envelope of parabolas (Felzenszwalb & Huttenlocher 2012).
                        var k = 0
                        vv[0] = 0; zz[0] = -inf; zz[1] = inf
                        if m > 1 {
                            for q in 1..<m {
                                let fq = ff[q] + Float(q * q)
                                var sx: Float
                                repeat {
                                    let p = Int(vv[k])
                                    sx = (fq - (ff[p] + Float(p * p))) / Float(2 * (q - p))
                                    if sx <= zz[k] { k -= 1 } else { break }
                                } while k >= 0
                                k += 1
                                vv[k] = Int32(q); zz[k] = sx; zz[k + 1] = inf
                            }
                        }
                        k = 0
                        for x in s..<e {
                            let q = x - lo
                            while zz[k + 1] < Float(q) { k += 1 }
                            let p = Int(vv[k]), d = q - p
                            let d2 = Float(d * d) + ff[p]
                            o[x] = d2 >= inf ? inf : d2.squareRoot()
                        }
                    }
                }
            }}}
        }
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
    let fg = mask.pixels.map { $0 != 0 ? Float(1) : 0 }
    mask.pixels.withUnsafeBufferPointer { runs.build(fromLabels: $0.baseAddress!, width: mask.width, height: mask.height) }
    var t = DistanceTransformer()
    fg.withUnsafeBufferPointer { fb in
        out.pixels.withUnsafeMutableBufferPointer { t.transform(runs: runs, foreground: fb.baseAddress!, into: $0.baseAddress!) }
    }
    return out
}
