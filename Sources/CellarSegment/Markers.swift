/// Finds watershed markers: maxima of a surface (the smoothed distance map) inside the
/// foreground, with the semantics of `skimage.feature.peak_local_max(min_distance=d,
/// exclude_border=False)`: a peak equals the maximum of its `(2d+1)²` window, is above
/// zero, and plateaus are thinned so accepted peaks are more than `d` apart (Chebyshev),
/// highest first, ties in raster order.
struct MarkerFinder {
    private var candidates: [Int32] = []
    private var gridHead: [Int32] = []
    private var peakNext: [Int32] = []
    /// Accepted peaks (pixel indices), in acceptance order.
    private(set) var peaks: [Int32] = []

    /// Candidate pixels are the foreground pixels ≥ their 8 neighbours; each is then
    /// checked against its window. O(fg pixels + candidates × d²).
    mutating func find(surface s: UnsafePointer<Float>, runs: RunSet, minDistance d: Int) {
        let w = runs.width, h = runs.height
        candidates.removeAll(keepingCapacity: true)
        peaks.removeAll(keepingCapacity: true)
        for y in 0..<h {
            let y0 = max(y - 1, 0), y1 = min(y + 1, h - 1)
            let up = s + y0 * w, cur = s + y * w, dn = s + y1 * w
            let ru = UnsafeRawPointer(up), rc = UnsafeRawPointer(cur), rd = UnsafeRawPointer(dn)
            // A pixel is ≥ its 8 neighbours iff it is ≥ the maximum of its 3×3 window; with
            // the window clamped to the image (edge rows/columns repeated) that maximum is
            // unchanged, so interior pixels are tested eight at a time.
            @inline(__always) func scalarTest(_ x: Int) {
                let v = cur[x]
                if v <= 0 { return }
                let x0 = max(x - 1, 0), x1 = min(x + 1, w - 1)
                var isMax = true
                var yy = y0
                while yy <= y1 && isMax {
                    let row = s + yy * w
                    var xx = x0
                    while xx <= x1 { if row[xx] > v { isMax = false; break }; xx += 1 }
                    yy += 1
                }
                if isMax { candidates.append(Int32(y * w + x)) }
            }
            @inline(__always) func vmax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
                a.replacing(with: b, where: b .> a)
            }
            for r in Int(runs.rowStart[y])..<Int(runs.rowStart[y + 1]) {
                var x = Int(runs.start[r])
                let e = Int(runs.end[r])
                if x == 0 && x < e { scalarTest(0); x = 1 }
                let ve = min(e, w - 1)   // vector body needs x + 1 < w
                while x + 8 <= ve {
                    @inline(__always) func load(_ p: UnsafeRawPointer, _ dx: Int) -> SIMD8<Float> {
                        p.loadUnaligned(fromByteOffset: (x + dx) * 4, as: SIMD8<Float>.self)
                    }
                    let v = load(rc, 0)
                    var m = vmax(vmax(load(ru, -1), load(ru, 0)), load(ru, 1))
                    m = vmax(m, vmax(vmax(load(rc, -1), v), load(rc, 1)))
                    m = vmax(m, vmax(vmax(load(rd, -1), load(rd, 0)), load(rd, 1)))
                    let hit = (v .>= m) .& (v .> 0)
                    if any(hit) {
                        for l in 0..<8 where hit[l] { candidates.append(Int32(y * w + x + l)) }
                    }
                    x += 8
                }
                while x < e { scalarTest(x); x += 1 }
            }
        }
        candidates.sort { a, b in
            let va = s[Int(a)], vb = s[Int(b)]
            return va > vb || (va == vb && a < b)
        }
        let cell = max(d, 1)
        let gw = (w + cell - 1) / cell, gh = (h + cell - 1) / cell
        gridHead.removeAll(keepingCapacity: true)
        gridHead.append(contentsOf: repeatElement(-1, count: gw * gh))
        peakNext.removeAll(keepingCapacity: true)
        for c in candidates {
            let i = Int(c), x = i % w, y = i / w, v = s[i]
            // Window maximum (d ≥ 1), clamped to the image like mode='nearest'.
            if d >= 1 {
                let x0 = max(x - d, 0), x1 = min(x + d, w - 1)
                let y0 = max(y - d, 0), y1 = min(y + d, h - 1)
                var ok = true
                var yy = y0
                while yy <= y1 && ok {
                    let row = s + yy * w
                    for xx in x0...x1 where row[xx] > v { ok = false; break }
                    yy += 1
                }
                if !ok { continue }
            }
            // Spacing against accepted peaks in neighbouring grid cells.
            let cx = x / cell, cy = y / cell
            var near = false
            if d >= 1 {
                outer: for gy in max(cy - 1, 0)...min(cy + 1, gh - 1) {
                    for gx in max(cx - 1, 0)...min(cx + 1, gw - 1) {
                        var p = gridHead[gy * gw + gx]
                        while p >= 0 {
                            let j = Int(peaks[Int(p)])
                            if abs(j % w - x) <= d && abs(j / w - y) <= d { near = true; break outer }
                            p = peakNext[Int(p)]
                        }
                    }
                }
            }
            if near { continue }
            let g = cy * gw + cx
            peakNext.append(gridHead[g])
            gridHead[g] = Int32(peaks.count)
            peaks.append(c)
        }
    }
}
