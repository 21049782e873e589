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
            for r in Int(runs.rowStart[y])..<Int(runs.rowStart[y + 1]) {
                for x in Int(runs.start[r])..<Int(runs.end[r]) {
                    let i = y * w + x, v = s[i]
                    if v <= 0 { continue }
                    let x0 = max(x - 1, 0), x1 = min(x + 1, w - 1)
                    var isMax = true
                    var yy = y0
                    while yy <= y1 && isMax {
                        let row = s + yy * w
                        var xx = x0
                        while xx <= x1 { if row[xx] > v { isMax = false; break }; xx += 1 }
                        yy += 1
                    }
                    if isMax { candidates.append(Int32(i)) }
                }
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
