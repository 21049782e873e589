import CellarImage

/// Splits objects at necks: pairs of concave points on an object's outline, the way two
/// overlapping nuclei meet. The distance-map watershed finds no marker for a small nucleus
/// pressed into a larger one (the distance map has no maximum there), so such pairs stay
/// merged; their outline still shows two concavities facing each other across a short
/// chord. Shape-only, like the watershed on the distance map.
///
/// Per object: trace the outer boundary (Moore neighbours), take its convex hull, and for
/// every hull edge the contour point deepest below it (a convexity defect). The pair of
/// defects with the smallest `chord / (depth₁ + depth₂)` is a cut candidate; it is cut when
///  * both defects are at least ``minDepth`` deep and the ratio is at most ``maxRatio``,
///  * at least 80 % of the chord runs inside the object,
///  * both sides have at least ``minPart`` pixels, and
///  * the chord is at most ``maxNeck`` × the inscribed radius of the smaller side (a neck,
///    not a dent in one nucleus).
/// The pixels on the chord go to the nearer side; each side is examined again (clusters
/// of up to five nuclei come apart in turn).
///
/// Work per object is O(P) for the outline, hull and defects of its P boundary pixels,
/// plus O(bounding box) per cut attempt; objects smaller than 2 × ``minPart`` are skipped.
/// All scratch is reused across objects and fields.
struct ConcavitySplitter {
    /// Minimum defect depth (px) of both concave points.
    var minDepth: Float = 2.5
    /// Largest `chord / (depth₁ + depth₂)` accepted.
    var maxRatio: Float = 4
    /// Minimum pixels on each side of a cut.
    var minPart = 100
    /// Largest chord as a multiple of the smaller side's inscribed radius.
    var maxNeck: Float = 4
    /// Successive cuts per object at most (a cluster of five needs four).
    var maxCuts = 6

    // Local (bounding box + 1 px margin) part map: 0 outside, part ids ≥ 1, `cutMark` on a chord.
    private var part: [Int32] = []
    private var comp: [Int32] = []
    private var compSize: [Int] = []
    private var dist: [Float] = []
    private var queue: [Int32] = []
    private var contour: [SIMD2<Int32>] = []
    private var rowLeft: [Int32] = []
    private var rowRight: [Int32] = []
    private var candidates: [Int32] = []
    private var hull: [Int32] = []
    typealias Defect = (x: Float, y: Float, depth: Float)
    private var defects: [Defect] = []
    private var partArea: [Int] = []
    private var work: [Int32] = []
    private var boxes: [Int32] = []
    private var areas: [Int] = []
    private static let cutMark: Int32 = -1

    /// Offset of the k-th 4-neighbour (W, E, N, S) in a row-major box `bw` wide.
    @inline(__always) private func neighbour4(_ k: Int, _ bw: Int) -> Int {
        k == 0 ? -1 : k == 1 ? 1 : k == 2 ? -bw : bw
    }

    /// Splits the objects of `labels` (0 background, 1…m objects, foreground within `rows`).
    /// New objects are numbered m+1, m+2, …; returns the new object count.
    mutating func split(labels lab: UnsafeMutablePointer<UInt32>, width w: Int, height h: Int,
                        rows: RunSet, objectCount m: Int) -> Int {
        if m == 0 || minPart <= 0 { return m }
        // Bounding boxes and areas, one pass over the foreground runs (a stretch of one label
        // is handled at once).
        boxes.removeAll(keepingCapacity: true)
        boxes.append(contentsOf: repeatElement(0, count: 4 * (m + 1)))
        areas.removeAll(keepingCapacity: true)
        areas.append(contentsOf: repeatElement(0, count: m + 1))
        boxes.withUnsafeMutableBufferPointer { bx in
        areas.withUnsafeMutableBufferPointer { ar in
            for y in 0..<h {
                for r in Int(rows.rowStart[y])..<Int(rows.rowStart[y + 1]) {
                    var x = Int(rows.start[r])
                    let e = Int(rows.end[r]), row = lab + y * w
                    while x < e {
                        let o = Int(row[x])
                        var x1 = x + 1
                        while x1 < e && Int(row[x1]) == o { x1 += 1 }
                        if o != 0 && o <= m {
                            if ar[o] == 0 {
                                bx[4 * o] = Int32(x); bx[4 * o + 1] = Int32(y); bx[4 * o + 2] = Int32(x1 - 1)
                            } else {
                                bx[4 * o] = min(bx[4 * o], Int32(x)); bx[4 * o + 2] = max(bx[4 * o + 2], Int32(x1 - 1))
                            }
                            bx[4 * o + 3] = Int32(y)
                            ar[o] += x1 - x
                        }
                        x = x1
                    }
                }
            }
        }}
        var next = m
        for o in 1..<(m + 1) where areas[o] >= 2 * minPart {
            let x0 = Int(boxes[4 * o]) - 1, y0 = Int(boxes[4 * o + 1]) - 1
            let bw = Int(boxes[4 * o + 2]) - x0 + 2, bh = Int(boxes[4 * o + 3]) - y0 + 2
            let parts = splitObject(UInt32(o), area: areas[o], lab: lab, width: w, height: h, x0: x0, y0: y0, bw: bw, bh: bh)
            if parts <= 1 { continue }
            // Write back: part 1 keeps the label, parts 2… get new ones.
            for ly in 1..<(bh - 1) {
                for lx in 1..<(bw - 1) {
                    let p = part[ly * bw + lx]
                    if p >= 2 { lab[(y0 + ly) * w + x0 + lx] = UInt32(next + Int(p) - 1) }
                }
            }
            next += parts - 1
        }
        return next
    }

    /// Splits object `o` inside its box; returns the number of parts (1 = unchanged).
    private mutating func splitObject(_ o: UInt32, area objectArea: Int, lab: UnsafeMutablePointer<UInt32>,
                                      width w: Int, height h: Int, x0: Int, y0: Int, bw: Int, bh: Int) -> Int {
        // Most objects have no neck: decide that from the outline traced on the label image,
        // before copying the object into the local buffer. The outline is that of the piece
        // holding the first pixel; when it encloses clearly fewer pixels than the object has
        // (pieces after the trim), the pieces are examined in the local buffer instead.
        var sx = x0 + 1
        while lab[(y0 + 1) * w + sx] != o { sx += 1 }
        Self.traceContour(UnsafePointer(lab), width: w, height: h, value: o, start: (sx, y0 + 1), origin: (x0, y0),
                          into: &contour)
        if enclosedPixels() >= 0.9 * Double(objectArea) && bestNeck(bh: bh) == nil { return 1 }
        let n = bw * bh
        part.removeAll(keepingCapacity: true)
        part.append(contentsOf: repeatElement(0, count: n))
        var area = 0
        part.withUnsafeMutableBufferPointer { pt in
            for ly in 1..<(bh - 1) {
                let row = lab + (y0 + ly) * w + x0, local = pt.baseAddress! + ly * bw
                for lx in 1..<(bw - 1) where row[lx] == o { local[lx] = 1; area += 1 }
            }
        }
        partArea.removeAll(keepingCapacity: true)
        partArea.append(0)
        partArea.append(area)
        work.removeAll(keepingCapacity: true)
        work.append(1)
        var parts = 1, cuts = 0
        while let p = work.popLast(), cuts < maxCuts {
            if partArea[Int(p)] < 2 * minPart { continue }
            let q = Int32(parts + 1)
            if cut(p, into: q, bw: bw, bh: bh) {
                parts += 1; cuts += 1
                work.append(p); work.append(q)
            }
        }
        return parts
    }

    /// The pair of convexity defects of `contour` with the smallest chord relative to their
    /// depths, if within ``maxRatio``.
    private mutating func bestNeck(bh: Int) -> (Defect, Defect, chord: Float)? {
        if contour.count < 8 { return nil }
        convexHullIndices(bh: bh)
        if hull.count < 3 { return nil }
        findDefects()
        var best: (a: Defect, b: Defect, chord: Float, ratio: Float)? = nil
        for a in 0..<defects.count {
            for b in (a + 1)..<defects.count {
                let da = defects[a], db = defects[b]
                let chord = ((da.x - db.x) * (da.x - db.x) + (da.y - db.y) * (da.y - db.y)).squareRoot()
                let ratio = chord / (da.depth + db.depth)
                if ratio <= maxRatio && ratio < (best?.ratio ?? .infinity) { best = (da, db, chord, ratio) }
            }
        }
        return best.map { ($0.a, $0.b, $0.chord) }
    }

    /// Tries one cut of part `p`; on success the far side becomes part `q`.
    private mutating func cut(_ p: Int32, into q: Int32, bw: Int, bh: Int) -> Bool {
        // The outline of the part's largest 4-connected piece (a part may come in pieces).
        let pieces = labelComponents(p, bw: bw, bh: bh)
        if pieces == 0 { return false }
        var largest: Int32 = 1
        for c in 1..<(pieces + 1) where compSize[c] > compSize[Int(largest)] { largest = Int32(c) }
        guard let s = comp.firstIndex(of: largest) else { return false }
        part.withUnsafeBufferPointer { pt in
            Self.traceContour(pt.baseAddress!, width: bw, height: bh, value: p, start: (s % bw, s / bw), origin: (0, 0),
                              into: &contour)
        }
        guard let (pa, pb, chord) = bestNeck(bh: bh) else { return false }
        // Mark the chord (Bresenham); it must run inside the part.
        let ax = Int(pa.x.rounded()), ay = Int(pa.y.rounded()), bx = Int(pb.x.rounded()), by = Int(pb.y.rounded())
        var inside = 0, total = 0
        Self.walkLine(ax, ay, bx, by, bw: bw) { i in
            total += 1
            if part[i] == p { inside += 1; part[i] = Self.cutMark }
        }
        func undo() { for i in 0..<part.count where part[i] == Self.cutMark { part[i] = p } }
        if total == 0 || inside * 5 < total * 4 { undo(); return false }
        // The two largest 4-connected pieces the chord separates (pieces not touching the
        // chord are not sides of this neck).
        labelComponents(p, bw: bw, bh: bh)
        var compA: Int32 = 0, compB: Int32 = 0
        for i in 0..<part.count where part[i] == Self.cutMark {
            for k in 0..<4 {
                let c = comp[i + neighbour4(k, bw)]
                if c == 0 || c == compA || c == compB { continue }
                if compA == 0 || compSize[Int(c)] > compSize[Int(compA)] { compB = compA; compA = c }
                else if compB == 0 || compSize[Int(c)] > compSize[Int(compB)] { compB = c }
            }
        }
        if compB == 0 || compSize[Int(compB)] < minPart { undo(); return false }
        // A neck, not a dent: the chord is short against the smaller side's inscribed radius.
        let rMin = min(inscribedRadius(compA, bw: bw, bh: bh), inscribedRadius(compB, bw: bw, bh: bh))
        if chord > maxNeck * rMin { undo(); return false }
        // Side B becomes q; the chord and stray pieces go to the nearer side (4-connected BFS).
        queue.removeAll(keepingCapacity: true)
        for i in 0..<part.count {
            if comp[i] == compA { queue.append(Int32(i)) }
            else if comp[i] == compB { part[i] = q; queue.append(Int32(i)) }
        }
        var head = 0
        while head < queue.count {
            let i = Int(queue[head]); head += 1
            let owner = part[i]
            for k in 0..<4 {
                let j = i + neighbour4(k, bw)
                if (part[j] == p || part[j] == Self.cutMark) && comp[j] != compA {
                    part[j] = owner; comp[j] = compA   // visited
                    queue.append(Int32(j))
                }
            }
        }
        undo()   // unreachable chord pixels (none in practice) stay with p
        var areaQ = 0
        for v in part where v == q { areaQ += 1 }
        partArea[Int(p)] -= areaQ
        partArea.append(areaQ)
        return true
    }

    /// Outer boundary of the 8-connected region of `value` containing `start` (its first
    /// pixel in raster order), clockwise, as coordinates relative to `origin` (Moore-neighbour
    /// tracing, stopped when the first move repeats). O(boundary length).
    private static func traceContour<T: Equatable>(_ base: UnsafePointer<T>, width: Int, height: Int, value: T,
                                                   start: (x: Int, y: Int), origin: (x: Int, y: Int),
                                                   into contour: inout [SIMD2<Int32>]) {
        contour.removeAll(keepingCapacity: true)
        // Neighbours clockwise from west: W, NW, N, NE, E, SE, S, SW.
        @inline(__always) func step(_ d: Int) -> (dx: Int, dy: Int) {
            switch d {
            case 0: return (-1, 0)
            case 1: return (-1, -1)
            case 2: return (0, -1)
            case 3: return (1, -1)
            case 4: return (1, 0)
            case 5: return (1, 1)
            case 6: return (0, 1)
            default: return (-1, 1)
            }
        }
        var x = start.x, y = start.y, dir = 0   // the pixel west of the first one is outside
        var first: (x: Int, y: Int)? = nil
        let limit = 4 * width * height
        while contour.count <= limit {
            var found = false, d = 0, nx = 0, ny = 0
            for k in 0..<8 {
                d = (dir + k) & 7
                let s = step(d)
                nx = x + s.dx; ny = y + s.dy
                if nx >= 0 && nx < width && ny >= 0 && ny < height && base[ny * width + nx] == value { found = true; break }
            }
            if found, x == start.x, y == start.y, let f = first, f.x == nx, f.y == ny { return }   // closed
            contour.append(SIMD2(Int32(x - origin.x), Int32(y - origin.y)))
            if !found { return }   // a single pixel
            if first == nil { first = (nx, ny) }
            // Resume the clockwise search at the last outside pixel looked at (the backtrack).
            dir = d & 1 == 0 ? (d + 6) & 7 : (d + 5) & 7
            x = nx; y = ny
        }
    }

    /// Indices into `contour` of its convex hull vertices, ascending. Only the leftmost and
    /// rightmost boundary pixel of each row can be hull vertices, and row by row they come
    /// already sorted for Andrew's monotone chain: O(P + rows), no sort of the contour.
    private mutating func convexHullIndices(bh: Int) {
        rowLeft.removeAll(keepingCapacity: true)
        rowLeft.append(contentsOf: repeatElement(-1, count: bh))
        rowRight.removeAll(keepingCapacity: true)
        rowRight.append(contentsOf: repeatElement(-1, count: bh))
        for (i, c) in contour.enumerated() {
            let y = Int(c.y)
            if rowLeft[y] < 0 || c.x < contour[Int(rowLeft[y])].x { rowLeft[y] = Int32(i) }
            if rowRight[y] < 0 || c.x > contour[Int(rowRight[y])].x { rowRight[y] = Int32(i) }
        }
        candidates.removeAll(keepingCapacity: true)
        for y in 0..<bh where rowLeft[y] >= 0 {
            candidates.append(rowLeft[y])
            if contour[Int(rowRight[y])].x != contour[Int(rowLeft[y])].x { candidates.append(rowRight[y]) }
        }
        let c = contour
        @inline(__always) func cross(_ o: Int32, _ a: Int32, _ b: Int32) -> Int {
            let po = c[Int(o)], pa = c[Int(a)], pb = c[Int(b)]
            return Int(pa.x - po.x) * Int(pb.y - po.y) - Int(pa.y - po.y) * Int(pb.x - po.x)
        }
        hull.removeAll(keepingCapacity: true)
        for i in candidates {
            while hull.count >= 2 && cross(hull[hull.count - 2], hull[hull.count - 1], i) <= 0 { hull.removeLast() }
            hull.append(i)
        }
        let lower = hull.count + 1
        for i in candidates.reversed() {
            while hull.count >= lower && cross(hull[hull.count - 2], hull[hull.count - 1], i) <= 0 { hull.removeLast() }
            hull.append(i)
        }
        hull.removeLast()
        hull.sort()
    }

    /// For each pair of consecutive hull vertices (in contour order), the contour point
    /// farthest inside the hull edge, if at least ``minDepth`` deep.
    private mutating func findDefects() {
        defects.removeAll(keepingCapacity: true)
        let n = contour.count
        for k in 0..<hull.count {
            let a = Int(hull[k]), b = Int(hull[(k + 1) % hull.count])
            let span = (b - a + n) % n
            if span < 2 { continue }
            let pa = contour[a], pb = contour[b]
            let ex = Float(pb.x - pa.x), ey = Float(pb.y - pa.y)
            let len = (ex * ex + ey * ey).squareRoot()
            if len < 1e-6 { continue }
            var bestD: Float = 0, bestI = -1
            for s in 1..<span {
                let c = contour[(a + s) % n]
                let d = abs(Float(c.x - pa.x) * ey - Float(c.y - pa.y) * ex) / len
                if d > bestD { bestD = d; bestI = (a + s) % n }
            }
            if bestI >= 0 && bestD >= minDepth {
                defects.append((Float(contour[bestI].x), Float(contour[bestI].y), bestD))
            }
        }
    }

    /// Labels the 4-connected components of part `p` into `comp` (1…K, 0 elsewhere) with
    /// their sizes in `compSize`; returns K. O(box).
    @discardableResult
    private mutating func labelComponents(_ p: Int32, bw: Int, bh: Int) -> Int {
        comp.removeAll(keepingCapacity: true)
        comp.append(contentsOf: repeatElement(0, count: part.count))
        compSize.removeAll(keepingCapacity: true)
        compSize.append(0)
        var next: Int32 = 0
        for s in 0..<part.count where part[s] == p && comp[s] == 0 {
            next += 1
            comp[s] = next
            queue.removeAll(keepingCapacity: true)
            queue.append(Int32(s))
            var head = 0
            while head < queue.count {
                let i = Int(queue[head]); head += 1
                for k in 0..<4 {
                    let j = i + neighbour4(k, bw)
                    if part[j] == p && comp[j] == 0 { comp[j] = next; queue.append(Int32(j)) }
                }
            }
            compSize.append(queue.count)
        }
        return Int(next)
    }

    /// Pixels inside the traced outline, boundary included (Pick's theorem on the pixel
    /// centres: shoelace area + boundary / 2 + 1). O(boundary).
    private func enclosedPixels() -> Double {
        let n = contour.count
        if n < 3 { return Double(n) }
        var twice = 0
        for i in 0..<n {
            let a = contour[i], b = contour[(i + 1) % n]
            twice += Int(a.x) * Int(b.y) - Int(b.x) * Int(a.y)
        }
        return Double(abs(twice)) / 2 + Double(n) / 2 + 1
    }

    /// Largest distance from a pixel of component `c` to the nearest pixel outside it
    /// (two-pass chamfer with weights 1 and √2: within 8 % of the Euclidean distance). O(box).
    private mutating func inscribedRadius(_ c: Int32, bw: Int, bh: Int) -> Float {
        dist.removeAll(keepingCapacity: true)
        dist.append(contentsOf: repeatElement(0, count: comp.count))
        let d2: Float = 1.4142135
        for y in 1..<(bh - 1) {
            for x in 1..<(bw - 1) {
                let i = y * bw + x
                if comp[i] != c { continue }
                dist[i] = min(min(dist[i - 1] + 1, dist[i - bw] + 1), min(dist[i - bw - 1] + d2, dist[i - bw + 1] + d2))
            }
        }
        var r: Float = 0
        for y in stride(from: bh - 2, through: 1, by: -1) {
            for x in stride(from: bw - 2, through: 1, by: -1) {
                let i = y * bw + x
                if comp[i] != c { continue }
                let v = min(dist[i], min(min(dist[i + 1] + 1, dist[i + bw] + 1), min(dist[i + bw + 1] + d2, dist[i + bw - 1] + d2)))
                dist[i] = v
                r = max(r, v)
            }
        }
        return r
    }

    /// Calls `body` with the local index of every pixel on the segment (Bresenham).
    private static func walkLine(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, bw: Int, _ body: (Int) -> Void) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            body(y * bw + x)
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }
}

/// Cuts necks (``ConcavitySplitter``) in a finished label image (0 background, objects
/// 1…N), for segmenters other than the watershed. Reuses its scratch between calls.
public struct NeckSplitter {
    private var splitter = ConcavitySplitter()
    private var runs = RunSet()
    private var ids: [UInt32] = []

    public init() {}

    /// Splits objects of `labels` at necks with ``SegmentationParameters/splitDepth`` and
    /// ``SegmentationParameters/splitMinArea``. When it cuts, objects are renumbered 1…N in
    /// raster order; otherwise `labels` is left as it was. Returns N.
    @discardableResult
    public mutating func split(_ labels: inout Image<UInt32>, parameters p: SegmentationParameters) -> Int {
        let w = labels.width, h = labels.height
        var m = 0
        for v in labels.pixels where Int(v) > m { m = Int(v) }
        if p.splitDepth <= 0 || m == 0 { return m }
        splitter.minDepth = Float(p.splitDepth)
        splitter.minPart = p.splitMinArea
        return labels.pixels.withUnsafeMutableBufferPointer { lb in
            let lab = lb.baseAddress!
            runs.build(fromLabels: lab, width: w, height: h)
            let n = splitter.split(labels: lab, width: w, height: h, rows: runs, objectCount: m)
            return n == m ? m : runs.renumber(lab, objectCount: n, ids: &ids)
        }
    }
}
