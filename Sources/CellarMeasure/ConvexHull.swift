/// Convex hulls of one object, built from its per-row extreme columns (only the leftmost and
/// rightmost pixel of each row can be hull points), in exact integer arithmetic.
///
/// Two hulls, because CellProfiler uses two:
/// - **pixel-centre hull** (centrosome `convex_hull_ijv`), for MinFeretDiameter and
///   MaxFeretDiameter;
/// - **pixel-edge-midpoint hull** (scikit-image `convex_hull_image`: every pixel contributes
///   the midpoints of its four edges), rasterised by "pixel centre inside or on the hull", for
///   ConvexArea and Solidity.
/// Each is O(rows) to build (monotone chain over points already in order) and O(rows + hull
/// vertices) to rasterise; Feret diameters are O(hull vertices²) (hulls of nuclei have ~20–40
/// vertices).
/// An integer point (plain struct: generic SIMD types are slow in these loops).
struct IPoint: Equatable {
    var x: Int64
    var y: Int64
    @inline(__always) init(_ x: Int64, _ y: Int64) { self.x = x; self.y = y }
    static let zero = IPoint(0, 0)
    @inline(__always) static func - (a: IPoint, b: IPoint) -> IPoint { IPoint(a.x - b.x, a.y - b.y) }
}

struct HullScratch {
    /// Candidate points, then hull vertices (x, y) — coordinates scaled per use.
    var pts: [IPoint] = []
    /// Hull vertices are `hull[0..<hullCount]` (the array is a reused fixed-size buffer).
    var hull: [IPoint] = []
    var hullCount = 0

    /// 2-D cross product of (a − o) × (b − o).
    @inline(__always)
    static func cross(_ o: IPoint, _ a: IPoint, _ b: IPoint) -> Int64 {
        (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
    }

    /// Andrew's monotone chain over `pts` (which must be sorted by (y, x), duplicates allowed):
    /// hull vertices counter-clockwise in `hull[0..<hullCount]`, collinear points dropped.
    /// O(points).
    mutating func buildHull() {
        let n = pts.count
        if hull.count < 2 * n + 2 { hull = [IPoint](repeating: .zero, count: 2 * n + 64) }
        var k = 0
        pts.withUnsafeBufferPointer { p in
            hull.withUnsafeMutableBufferPointer { h in
                if n <= 1 {
                    for i in 0..<n { h[i] = p[i] }
                    k = n
                    return
                }
                for i in 0..<n {
                    while k >= 2 && Self.cross(h[k - 2], h[k - 1], p[i]) <= 0 { k -= 1 }
                    h[k] = p[i]; k += 1
                }
                let lower = k + 1
                var i = n - 2
                while i >= 0 {
                    while k >= lower && Self.cross(h[k - 2], h[k - 1], p[i]) <= 0 { k -= 1 }
                    h[k] = p[i]; k += 1
                    i -= 1
                }
                k -= 1
                // All points equal → two copies of one point.
                if k == 2 && h[0] == h[1] { k = 1 }
            }
        }
        hullCount = k
    }

    /// Min and max Feret diameter of the current hull (pixel-centre coordinates, unscaled):
    /// max = largest vertex distance; min = smallest width, i.e. over hull edges the largest
    /// vertex distance from the edge's line, minimised. One point → (0, 0); two → (0, length).
    func feret() -> (min: Double, max: Double) {
        let m = hullCount
        if m <= 1 { return (0, 0) }
        return hull.withUnsafeBufferPointer { h in
            var maxD2: Int64 = 0
            for i in 0..<m {
                for j in (i + 1)..<m {
                    let d = h[i] - h[j]
                    maxD2 = Swift.max(maxD2, d.x &* d.x &+ d.y &* d.y)
                }
            }
            if m == 2 { return (0, Double(maxD2).squareRoot()) }
            var minWidth = Double.infinity
            for i in 0..<m {
                let a = h[i], b = h[i + 1 == m ? 0 : i + 1]
                var far: Int64 = 0
                for j in 0..<m { far = Swift.max(far, Self.cross(a, b, h[j])) }
                let e = b - a
                minWidth = Swift.min(minWidth, Double(far) / Double(e.x &* e.x &+ e.y &* e.y).squareRoot())
            }
            return (minWidth, Double(maxD2).squareRoot())
        }
    }

    /// Loads the pixel-centre candidates: for each non-empty row r, (rowMin, r) and (rowMax, r).
    mutating func loadCentres(rowMin: UnsafeBufferPointer<Int32>, rowMax: UnsafeBufferPointer<Int32>, height: Int) {
        pts.removeAll(keepingCapacity: true)
        for r in 0..<height where rowMin[r] != Int32.max {
            pts.append(IPoint(Int64(rowMin[r]), Int64(r)))
            if rowMax[r] != rowMin[r] { pts.append(IPoint(Int64(rowMax[r]), Int64(r))) }
        }
    }

    /// Loads the edge-midpoint candidates in doubled coordinates X = 2c + 2, Y = 2r + 2
    /// (pixel (c, r) contributes (X±1, Y) and (X, Y±1)); per level only the extreme X matter.
    mutating func loadMidpoints(rowMin: UnsafeBufferPointer<Int32>, rowMax: UnsafeBufferPointer<Int32>, height: Int) {
        pts.removeAll(keepingCapacity: true)
        @inline(__always) func add(_ lo: Int64, _ hi: Int64, _ y: Int64) {
            pts.append(IPoint(lo, y))
            if hi != lo { pts.append(IPoint(hi, y)) }
        }
        for level in 0...height {
            // Odd level between row level-1 (bottom midpoints) and row level (top midpoints).
            var lo = Int64.max, hi = Int64.min
            if level > 0, rowMin[level - 1] != Int32.max {
                lo = 2 * Int64(rowMin[level - 1]) + 2; hi = 2 * Int64(rowMax[level - 1]) + 2
            }
            if level < height, rowMin[level] != Int32.max {
                lo = Swift.min(lo, 2 * Int64(rowMin[level]) + 2); hi = Swift.max(hi, 2 * Int64(rowMax[level]) + 2)
            }
            if lo != Int64.max { add(lo, hi, 2 * Int64(level) + 1) }
            if level < height, rowMin[level] != Int32.max {
                add(2 * Int64(rowMin[level]) + 1, 2 * Int64(rowMax[level]) + 3, 2 * Int64(level) + 2)
            }
        }
    }

    /// Number of pixel centres (X = 2c + 2, Y = 2r + 2 for box rows 0..<height) inside or on the
    /// current (doubled-coordinate, counter-clockwise) hull. O(height + vertices).
    func rasterArea(height: Int) -> Int {
        let m = hullCount
        guard m >= 3 else { return 0 }
        var iMin = 0, iMax = 0
        for i in 1..<m {
            let v = hull[i]
            if v.y < hull[iMin].y || (v.y == hull[iMin].y && v.x < hull[iMin].x) { iMin = i }
            if v.y > hull[iMax].y || (v.y == hull[iMax].y && v.x > hull[iMax].x) { iMax = i }
        }
        // Chain A walks forward from iMin, chain B backward; both reach iMax with Y non-decreasing.
        var a = iMin, b = iMin
        var area = 0
        @inline(__always) func floorDiv(_ n: Int64, _ d: Int64) -> Int64 {
            let q = n / d
            return (n % d != 0 && (n < 0) != (d < 0)) ? q - 1 : q
        }
        for r in 0..<height {
            let y = 2 * Int64(r) + 2
            if y < hull[iMin].y || y > hull[iMax].y { continue }
            while a != iMax && hull[(a + 1) % m].y < y { a = (a + 1) % m }
            while b != iMax && hull[(b + m - 1) % m].y < y { b = (b + m - 1) % m }
            let pa = hull[a], qa = hull[(a + 1) % m]
            let pb = hull[b], qb = hull[(b + m - 1) % m]
            // X on an edge p→q at y: N/D with D = qy − py > 0 (or the vertex itself when flat).
            @inline(__always) func bounds(_ p: IPoint, _ q: IPoint) -> (lo: Int64, hi: Int64) {
                let d = q.y - p.y
                if d == 0 { // y == p.y == q.y cannot happen strictly inside; treat as the segment
                    let l = Swift.min(p.x, q.x), h = Swift.max(p.x, q.x)
                    return (-floorDiv(-(l - 2), 2), floorDiv(h - 2, 2))
                }
                let n = p.x * d + (y - p.y) * (q.x - p.x) - 2 * d
                return (-floorDiv(-n, 2 * d), floorDiv(n, 2 * d))
            }
            let ba = bounds(pa, qa), bb = bounds(pb, qb)
            let lo = Swift.min(ba.lo, bb.lo), hi = Swift.max(ba.hi, bb.hi)
            if hi >= lo { area += Int(hi - lo + 1) }
        }
        return area
    }
}
