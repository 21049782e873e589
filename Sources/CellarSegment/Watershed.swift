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
    private var tileLab: [UInt32] = []
    private var tileNext: [Int32] = []
    private var tileLevel: [Int32] = []
    private var order: [Int32] = []

    /// `labels` holds 0 on background, ``unreached`` on foreground and the marker labels
    /// at the marker pixels (`markers`). On return every foreground pixel connected to a
    /// marker carries that marker's label. `markers[order[groupStart[g]..<groupStart[g+1]]]`
    /// are the markers of foreground component `g` (in their original order).
    ///
    /// Components are not 4-connected to each other, so each is flooded alone, on a private
    /// tile: component `g`'s box (`boxes[4g..<4g+4]` =
    /// x0, y0, x1, y1 inclusive) plus a one-pixel background frame is copied into small
    /// buffers (labels, quantised levels, queue links), flooded there, and copied back.
    /// The labels are identical to one flood of the whole image with a single queue: pixels
    /// 4-adjacent to a component are in it or background, so the frame never matters, and
    /// each component's pixels leave the queue in the same order. The tile stays in L1/L2 while the full-image planes
    /// would miss the cache on nearly every access. O(Σ box areas + Σ level ranges).
    mutating func flood(surface s: UnsafePointer<Float>, labels lab: UnsafeMutablePointer<UInt32>,
                        width w: Int, height h: Int, markers: [Int32], groupStart: [Int32], order: [Int32],
                        boxes: [Int32], maxValue: Float) {
        let L = Self.levels
        for i in 0..<L { head[i] = -1; tail[i] = -1 }
        let scale = maxValue > 0 ? Float(L - 1) / maxValue : 0
        var maxTile = 0
        for g in 0..<(groupStart.count - 1) {
            let tw = Int(boxes[4 * g + 2] - boxes[4 * g]) + 3, th = Int(boxes[4 * g + 3] - boxes[4 * g + 1]) + 3
            maxTile = max(maxTile, tw * th)
        }
        if tileLab.count < maxTile {
            tileLab = [UInt32](repeating: 0, count: maxTile); tileNext = [Int32](repeating: 0, count: maxTile)
            tileLevel = [Int32](repeating: 0, count: maxTile)
        }
        tileLab.withUnsafeMutableBufferPointer { tlb in
        tileNext.withUnsafeMutableBufferPointer { nb in
        tileLevel.withUnsafeMutableBufferPointer { lvb in
        head.withUnsafeMutableBufferPointer { hb in
        tail.withUnsafeMutableBufferPointer { tb in
        markers.withUnsafeBufferPointer { mk in
        order.withUnsafeBufferPointer { od in
            let tl = tlb.baseAddress!, nx = nb.baseAddress!, lv = lvb.baseAddress!
            let hd = hb.baseAddress!, tq = tb.baseAddress!
            let mv = SIMD8<Float>(repeating: maxValue), sc = SIMD8<Float>(repeating: scale)
            let top = SIMD8<Float>(repeating: Float(L - 1)), magic = SIMD8<Float>(repeating: 8_388_608)
            var queued = 0
            @inline(__always) func push(_ i: Int, _ l: Int) {
                nx[i] = -1
                if tq[l] < 0 { hd[l] = Int32(i) } else { nx[Int(tq[l])] = Int32(i) }
                tq[l] = Int32(i)
                queued += 1
            }
            for g in 0..<(groupStart.count - 1) {
                let x0 = Int(boxes[4 * g]), y0 = Int(boxes[4 * g + 1])
                let bw = Int(boxes[4 * g + 2]) - x0 + 1, bh = Int(boxes[4 * g + 3]) - y0 + 1
                let tw = bw + 2, th = bh + 2
                // Copy in: frame rows/columns are background.
                tl.update(repeating: 0, count: tw)
                (tl + (th - 1) * tw).update(repeating: 0, count: tw)
                for r in 0..<bh {
                    let src = lab + (y0 + r) * w + x0, sv = s + (y0 + r) * w + x0
                    let t = tl + (r + 1) * tw, tlv = lv + (r + 1) * tw + 1
                    t[0] = 0; t[tw - 1] = 0
                    (t + 1).update(from: src, count: bw)
                    var x = 0
                    while x + 8 <= bw {
                        // Int(f) clamped to 0…L−1, eight at a time: clamp in Float, then floor
                        // exactly (round via 2^23, step back if it rounded up).
                        let f = (mv - UnsafeRawPointer(sv + x).loadUnaligned(as: SIMD8<Float>.self)) * sc
                        var c = f.replacing(with: 0, where: f .< 0)
                        c = c.replacing(with: top, where: c .> top)
                        var r = (c + magic) - magic
                        r = r.replacing(with: r - 1, where: r .> c)
                        let bits = unsafeBitCast(r + magic, to: SIMD8<UInt32>.self) & 0x7f_ffff
                        UnsafeMutableRawPointer(tlv + x).storeBytes(of: SIMD8<Int32>(truncatingIfNeeded: bits), as: SIMD8<Int32>.self)
                        x += 8
                    }
                    while x < bw {
                        let q = Int((maxValue - sv[x]) * scale)
                        tlv[x] = Int32(q < 0 ? 0 : (q >= L ? L - 1 : q))
                        x += 1
                    }
                }
                var cur = L
                for k in Int(groupStart[g])..<Int(groupStart[g + 1]) {
                    let m = Int(mk[Int(od[k])]), my = m / w, mx = m - my * w
                    let i = (my - y0 + 1) * tw + mx - x0 + 1, l = Int(lv[i])
                    push(i, l)
                    cur = min(cur, l)
                }
                // Every bucket is empty again when the group's queue drains.
                while queued > 0 {
                    let p32 = hd[cur]
                    if p32 < 0 { cur += 1; continue }
                    let p = Int(p32)
                    hd[cur] = nx[p]
                    if hd[cur] < 0 { tq[cur] = -1 }
                    queued -= 1
                    let label = tl[p]
                    @inline(__always) func visit(_ q: Int) {
                        if tl[q] == Self.unreached {
                            tl[q] = label
                            push(q, max(cur, Int(lv[q])))
                        }
                    }
                    visit(p - 1); visit(p + 1); visit(p - tw); visit(p + tw)
                }
                // Copy out (pixels of other components in the box come back unchanged).
                for r in 0..<bh {
                    (lab + (y0 + r) * w + x0).update(from: tl + (r + 1) * tw + 1, count: bw)
                }
            }
        }}}}}}}
    }
}
