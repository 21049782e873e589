/// Marker-controlled watershed flooding from the markers down a surface (high values
/// first), confined to the foreground, 4-connected — `skimage.segmentation.watershed(
/// -surface, markers, mask=mask)`. Uses a bucket (hierarchical) queue over quantised
/// levels with FIFO order inside a level, so ties resolve deterministically by arrival.
struct Watershed {
    static let levels = 1024
    /// Label value meaning "foreground, not yet reached".
    static let unreached = UInt32.max
    private var next: [Int32] = []
    private var head = [Int32](repeating: -1, count: Watershed.levels)
    private var tail = [Int32](repeating: -1, count: Watershed.levels)
    private var groupStart: [Int32] = []
    private var order: [Int32] = []

    /// `labels` holds 0 on background, ``unreached`` on foreground and the marker labels
    /// at the marker pixels (`markers`). On return every foreground pixel connected to a
    /// marker carries that marker's label. O(fg pixels + levels).
    mutating func flood(surface s: UnsafePointer<Float>, labels lab: UnsafeMutablePointer<UInt32>,
                        width w: Int, height h: Int, markers: [Int32], maxValue: Float) {
        groupStart.removeAll(keepingCapacity: true)
        groupStart.append(0); groupStart.append(Int32(markers.count))
        order.removeAll(keepingCapacity: true)
        order.append(contentsOf: 0..<Int32(markers.count))
        let gs = groupStart, od = order
        flood(surface: s, labels: lab, width: w, height: h, markers: markers, groupStart: gs, order: od,
              maxValue: maxValue)
    }

    /// The same flood, one group of markers at a time: `markers[order[groupStart[g]..<groupStart[g+1]]]`
    /// are the markers of foreground component `g` (in their original order). Components are
    /// not 4-connected to each other, so each is flooded alone with a queue that only ever
    /// holds its own pixels — identical labels, but the working set is one nucleus' box
    /// instead of the whole image (cache-friendly, which matters most with several workers).
    /// O(fg pixels + Σ level range per component).
    mutating func flood(surface s: UnsafePointer<Float>, labels lab: UnsafeMutablePointer<UInt32>,
                        width w: Int, height h: Int, markers: [Int32], groupStart: [Int32], order: [Int32],
                        maxValue: Float) {
        let n = w * h
        if next.count < n { next = [Int32](repeating: -1, count: n) }
        let L = Self.levels
        for i in 0..<L { head[i] = -1; tail[i] = -1 }
        let scale = maxValue > 0 ? Float(L - 1) / maxValue : 0
        let invW = 1 / Double(w)
        next.withUnsafeMutableBufferPointer { nb in
        head.withUnsafeMutableBufferPointer { hb in
        tail.withUnsafeMutableBufferPointer { tb in
        markers.withUnsafeBufferPointer { mk in
        order.withUnsafeBufferPointer { od in
            let nx = nb.baseAddress!, hd = hb.baseAddress!, tl = tb.baseAddress!
            @inline(__always) func level(_ i: Int) -> Int {
                let q = Int((maxValue - s[i]) * scale)
                return q < 0 ? 0 : (q >= L ? L - 1 : q)
            }
            var queued = 0
            @inline(__always) func push(_ i: Int, _ lv: Int) {
                nx[i] = -1
                if tl[lv] < 0 { hd[lv] = Int32(i) } else { nx[Int(tl[lv])] = Int32(i) }
                tl[lv] = Int32(i)
                queued += 1
            }
            for g in 0..<(groupStart.count - 1) {
                var cur = L
                for k in Int(groupStart[g])..<Int(groupStart[g + 1]) {
                    let m = Int(mk[Int(od[k])]), lv = level(m)
                    push(m, lv)
                    cur = min(cur, lv)
                }
                // Every bucket is empty again when the group's queue drains.
                while queued > 0 {
                    let p32 = hd[cur]
                    if p32 < 0 { cur += 1; continue }
                    let p = Int(p32)
                    hd[cur] = nx[p]
                    if hd[cur] < 0 { tl[cur] = -1 }
                    queued -= 1
                    // x = p mod w without an integer division: (p + ½)/w is never within
                    // 1/(2w) of an integer, far above Double rounding error.
                    let label = lab[p], x = p - Int((Double(p) + 0.5) * invW) * w
                    @inline(__always) func visit(_ q: Int) {
                        if lab[q] == Self.unreached {
                            lab[q] = label
                            push(q, max(cur, level(q)))
                        }
                    }
                    if x > 0 { visit(p - 1) }
                    if x < w - 1 { visit(p + 1) }
                    if p >= w { visit(p - w) }
                    if p < n - w { visit(p + w) }
                }
            }
        }}}}}
    }
}
