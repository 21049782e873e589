/// Merges over-split watershed regions by the depth of the saddle between them
/// (a dynamics / h-maxima criterion on the flooding surface): neighbouring regions with
/// peaks `pa ≥ pb` meeting at saddle `s` (highest `min(surface)` over a 4-connected
/// boundary pixel pair) are merged when `s ≥ ratio · pb` or `pb − s < depth`.
/// Pairs are processed from the highest saddle down with union–find, so the merged
/// region's peak is the higher one — the order h-maxima would merge them.
struct RegionMerger {
    private var saddle: [UInt64: Float] = [:]
    private var pairs: [(key: UInt64, s: Float)] = []
    private var parent: [UInt32] = []
    private var peak: [Float] = []

    /// `labels`: 0 background, 1…m regions; `peaks[l-1]` = surface value at region `l`'s
    /// marker. Rewrites `remap` so `remap[l]` is the merged label (a root in 1…m).
    /// O(fg pixels + boundary pairs · log).
    mutating func merge(labels lab: UnsafePointer<UInt32>, surface s: UnsafePointer<Float>,
                        width w: Int, height h: Int, rows: RunSet, peaks: [Float],
                        ratio: Float, depth: Float, remap: inout [UInt32]) {
        let m = peaks.count
        remap.removeAll(keepingCapacity: true)
        remap.append(contentsOf: 0...UInt32(m))
        if m < 2 || (ratio >= 1 && depth <= 0) { return }
        saddle.removeAll(keepingCapacity: true)
        for y in 0..<h {
            for r in Int(rows.rowStart[y])..<Int(rows.rowStart[y + 1]) {
                for x in Int(rows.start[r])..<Int(rows.end[r]) {
                    let i = y * w + x, a = lab[i]
                    if a == 0 || a == Watershed.unreached { continue }
                    if x + 1 < w {
                        let b = lab[i + 1]
                        if b != 0 && b != a && b != Watershed.unreached { note(a, b, min(s[i], s[i + 1])) }
                    }
                    if y + 1 < h {
                        let b = lab[i + w]
                        if b != 0 && b != a && b != Watershed.unreached { note(a, b, min(s[i], s[i + w])) }
                    }
                }
            }
        }
        pairs.removeAll(keepingCapacity: true)
        for (k, v) in saddle { pairs.append((k, v)) }
        pairs.sort { $0.s > $1.s || ($0.s == $1.s && $0.key < $1.key) }
        parent.removeAll(keepingCapacity: true); parent.append(contentsOf: 0...UInt32(m))
        peak.removeAll(keepingCapacity: true); peak.append(0); peak.append(contentsOf: peaks)
        for (key, sv) in pairs {
            let ra = find(UInt32(key >> 32)), rb = find(UInt32(key & 0xffff_ffff))
            if ra == rb { continue }
            let lo = min(peak[Int(ra)], peak[Int(rb)])
            if sv >= ratio * lo || lo - sv < depth {
                // Keep the root with the higher peak.
                let (keep, drop) = peak[Int(ra)] >= peak[Int(rb)] ? (ra, rb) : (rb, ra)
                parent[Int(drop)] = keep
            }
        }
        for l in 1...m { remap[l] = find(UInt32(l)) }
    }

    @inline(__always) private mutating func note(_ a: UInt32, _ b: UInt32, _ v: Float) {
        let key = a < b ? UInt64(a) << 32 | UInt64(b) : UInt64(b) << 32 | UInt64(a)
        if let old = saddle[key] { if v > old { saddle[key] = v } } else { saddle[key] = v }
    }

    private mutating func find(_ a: UInt32) -> UInt32 {
        var r = a
        while parent[Int(r)] != r { r = parent[Int(r)] }
        var a = a
        while parent[Int(a)] != r { let n = parent[Int(a)]; parent[Int(a)] = r; a = n }
        return r
    }
}
