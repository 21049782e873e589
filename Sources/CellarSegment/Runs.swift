/// Foreground runs of a binary image, row by row, with run-based connected-component
/// labelling (union–find over runs). Run-based work is proportional to the number of
/// runs, which is far smaller than the pixel count for nuclei images.
struct RunSet {
    var width = 0
    var height = 0
    /// Half-open runs `[start, end)`; the runs of row `y` are `rowStart[y]..<rowStart[y+1]`.
    var start: [Int32] = []
    var end: [Int32] = []
    var rowStart: [Int32] = []
    /// Component of each run after ``label(eightConnected:)``: 0..<componentCount.
    var component: [Int32] = []
    var componentCount = 0
    private var parent: [Int32] = []

    var count: Int { start.count }

    mutating func reset(width: Int, height: Int) {
        self.width = width; self.height = height
        start.removeAll(keepingCapacity: true)
        end.removeAll(keepingCapacity: true)
        rowStart.removeAll(keepingCapacity: true)
        rowStart.reserveCapacity(height + 1)
    }

    /// Runs of `value > threshold`. One branch-light scan: O(width × height).
    mutating func build(from values: UnsafePointer<Float>, threshold: Float, width: Int, height: Int) {
        reset(width: width, height: height)
        for y in 0..<height {
            rowStart.append(Int32(start.count))
            let row = values + y * width
            var x = 0
            while x < width {
                // Skip background quickly, four at a time.
                while x + 4 <= width && row[x] <= threshold && row[x + 1] <= threshold
                        && row[x + 2] <= threshold && row[x + 3] <= threshold { x += 4 }
                while x < width && row[x] <= threshold { x += 1 }
                if x == width { break }
                let s = x
                while x + 4 <= width && row[x] > threshold && row[x + 1] > threshold
                        && row[x + 2] > threshold && row[x + 3] > threshold { x += 4 }
                while x < width && row[x] > threshold { x += 1 }
                start.append(Int32(s)); end.append(Int32(x))
            }
        }
        rowStart.append(Int32(start.count))
    }

    /// Runs of non-zero labels. O(width × height).
    mutating func build(fromLabels labels: UnsafePointer<UInt32>, width: Int, height: Int) {
        reset(width: width, height: height)
        for y in 0..<height {
            rowStart.append(Int32(start.count))
            let row = labels + y * width
            var x = 0
            while x < width {
                while x < width && row[x] == 0 { x += 1 }
                if x == width { break }
                let s = x
                while x < width && row[x] != 0 { x += 1 }
                start.append(Int32(s)); end.append(Int32(x))
            }
        }
        rowStart.append(Int32(start.count))
    }

    /// Maps every label on these runs through `table` (`label → table[label]`), `unreached`
    /// to 0. O(pixels on the runs).
    func relabel(_ lab: UnsafeMutablePointer<UInt32>, through table: [UInt32], unreached: UInt32) {
        table.withUnsafeBufferPointer { t in
            for y in 0..<height {
                for r in Int(rowStart[y])..<Int(rowStart[y + 1]) {
                    for i in (y * width + Int(start[r]))..<(y * width + Int(end[r])) {
                        let l = lab[i]
                        lab[i] = l == unreached ? 0 : t[Int(l)]
                    }
                }
            }
        }
    }

    /// Renumbers the objects 1…`objectCount` on these runs 1…N by first pixel in raster
    /// order (`ids` is scratch); returns N. O(pixels on the runs).
    @discardableResult
    func renumber(_ lab: UnsafeMutablePointer<UInt32>, objectCount m: Int, ids: inout [UInt32]) -> Int {
        ids.removeAll(keepingCapacity: true)
        ids.append(contentsOf: repeatElement(0, count: m + 1))
        var next: UInt32 = 0
        ids.withUnsafeMutableBufferPointer { id in
            for y in 0..<height {
                for r in Int(rowStart[y])..<Int(rowStart[y + 1]) {
                    for i in (y * width + Int(start[r]))..<(y * width + Int(end[r])) {
                        let o = Int(lab[i])
                        if o == 0 { continue }
                        if id[o] == 0 { next += 1; id[o] = next }
                        lab[i] = id[o]
                    }
                }
            }
        }
        return Int(next)
    }

    @inline(__always) private mutating func find(_ a: Int32) -> Int32 {
        var r = a
        while parent[Int(r)] != r { r = parent[Int(r)] }
        var a = a
        while parent[Int(a)] != r { let n = parent[Int(a)]; parent[Int(a)] = r; a = n }
        return r
    }

    @inline(__always) private mutating func union(_ a: Int32, _ b: Int32) {
        let ra = find(a), rb = find(b)
        if ra < rb { parent[Int(rb)] = ra } else if rb < ra { parent[Int(ra)] = rb }
    }

    /// Labels components (8- or 4-connected) and numbers them 0..<K in raster order of
    /// their first run. O(runs · α(runs)).
    mutating func label(eightConnected: Bool) {
        let n = count
        parent.removeAll(keepingCapacity: true)
        parent.append(contentsOf: 0..<Int32(n))
        let slack: Int32 = eightConnected ? 1 : 0
        if height > 1 {
            for y in 1..<height {
                var i = Int(rowStart[y - 1]); let iEnd = Int(rowStart[y])
                var j = iEnd; let jEnd = Int(rowStart[y + 1])
                while i < iEnd && j < jEnd {
                    // Overlap (with one pixel of slack for diagonal contact).
                    if start[i] < end[j] + slack && start[j] < end[i] + slack {
                        union(Int32(i), Int32(j))
                    }
                    if end[i] < end[j] { i += 1 } else { j += 1 }
                }
            }
        }
        component.removeAll(keepingCapacity: true)
        component.reserveCapacity(n)
        var k: Int32 = 0
        for r in 0..<n {
            let root = find(Int32(r))
            if root == Int32(r) { component.append(k); k += 1 } else { component.append(component[Int(root)]) }
        }
        componentCount = Int(k)
    }

    /// Pixel area of each component. O(runs).
    func componentAreas(into areas: inout [Int]) {
        areas.removeAll(keepingCapacity: true)
        areas.append(contentsOf: repeatElement(0, count: componentCount))
        for r in 0..<count { areas[Int(component[r])] += Int(end[r] - start[r]) }
    }

    /// Bounding box of each component, flattened `x0, y0, x1, y1` (inclusive). O(runs).
    func componentBoxes(into box: inout [Int32]) {
        box.removeAll(keepingCapacity: true)
        for _ in 0..<componentCount { box.append(.max); box.append(.max); box.append(-1); box.append(-1) }
        for y in 0..<height {
            for r in Int(rowStart[y])..<Int(rowStart[y + 1]) {
                let c = 4 * Int(component[r])
                box[c] = min(box[c], start[r]); box[c + 1] = min(box[c + 1], Int32(y))
                box[c + 2] = max(box[c + 2], end[r] - 1); box[c + 3] = max(box[c + 3], Int32(y))
            }
        }
    }

    /// Whether each component touches the image border. O(runs).
    func componentsTouchingBorder(into flags: inout [Bool]) {
        flags.removeAll(keepingCapacity: true)
        flags.append(contentsOf: repeatElement(false, count: componentCount))
        for y in 0..<height {
            for r in Int(rowStart[y])..<Int(rowStart[y + 1])
            where y == 0 || y == height - 1 || start[r] == 0 || Int(end[r]) == width {
                flags[Int(component[r])] = true
            }
        }
    }
}

/// Fills holes of the foreground described by `fg` (background components, 4-connected,
/// that do not reach the image border — the definition of `scipy.ndimage.binary_fill_holes`)
/// and writes the filled foreground runs to `out`. `bg` is scratch. O(runs).
func fillHoles(_ fg: RunSet, into out: inout RunSet, background bg: inout RunSet, flags: inout [Bool]) {
    let w = fg.width, h = fg.height
    // Background intervals: k+1 per row (the first/last may be empty).
    bg.reset(width: w, height: h)
    for y in 0..<h {
        bg.rowStart.append(Int32(bg.start.count))
        var x: Int32 = 0
        for r in Int(fg.rowStart[y])..<Int(fg.rowStart[y + 1]) {
            bg.start.append(x); bg.end.append(fg.start[r]); x = fg.end[r]
        }
        bg.start.append(x); bg.end.append(Int32(w))
    }
    bg.rowStart.append(Int32(bg.start.count))
    bg.label(eightConnected: false)
    // Border-touching background components (empty intervals never count).
    flags.removeAll(keepingCapacity: true)
    flags.append(contentsOf: repeatElement(false, count: bg.componentCount))
    for y in 0..<h {
        for r in Int(bg.rowStart[y])..<Int(bg.rowStart[y + 1]) where bg.start[r] < bg.end[r] {
            if y == 0 || y == h - 1 || bg.start[r] == 0 || Int(bg.end[r]) == w {
                flags[Int(bg.component[r])] = true
            }
        }
    }
    // New foreground runs: merge each fg run with the holes on either side.
    out.reset(width: w, height: h)
    for y in 0..<h {
        out.rowStart.append(Int32(out.start.count))
        let f0 = Int(fg.rowStart[y]), f1 = Int(fg.rowStart[y + 1])
        let b0 = Int(bg.rowStart[y])
        var open = false
        var s: Int32 = 0
        // Interleave: bg[b0], fg[f0], bg[b0+1], fg[f0+1], …, bg[b0 + (f1-f0)].
        for k in 0...(f1 - f0) {
            let b = b0 + k
            let filled = bg.start[b] < bg.end[b] && !flags[Int(bg.component[b])]
            if filled {
                if !open { open = true; s = bg.start[b] }
            } else if open {
                out.start.append(s); out.end.append(bg.start[b]); open = false
            }
            if k < f1 - f0 {
                let r = f0 + k
                if !open { open = true; s = fg.start[r] }
            }
        }
        if open { out.start.append(s); out.end.append(Int32(w)) }
    }
    out.rowStart.append(Int32(out.start.count))
}
