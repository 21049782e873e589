import CellarImage
import CellarSegment

/// Turns the U-Net's class probabilities into instance labels: seeds are the
/// 4-connected components of `P(interior) > seedThreshold`; they grow by a marker
/// watershed on `1 − P(interior)` (256 levels, bucket queue) into the foreground
/// `P(background) < foregroundThreshold`; then the size/border filters of
/// ``SegmentationParameters`` and labels 1…N in raster order.
/// Scratch buffers are reused between calls (one instance per worker).
struct InstanceBuilder {
    private var seeds: [Int32] = []
    private var stack: [Int32] = []
    private var level: [UInt8] = []
    private var buckets: [[Int32]] = Array(repeating: [], count: 256)
    private var areas: [Int] = []
    private var keep: [UInt32] = []

    /// `interior`, `background`: per-pixel probabilities, `width × height`.
    /// O(pixels) (each pixel enters the bucket queue at most once).
    mutating func labels(interior: UnsafeBufferPointer<Float>, background: UnsafeBufferPointer<Float>,
                         width w: Int, height h: Int, seedThreshold: Float, foregroundThreshold: Float,
                         minSeedArea: Int, parameters p: SegmentationParameters) -> Image<UInt32> {
        let n = w * h
        var out = Image<UInt32>(width: w, height: h)
        if n == 0 { return out }
        // seeds: 0 unlabelled, −1 queued, > 0 seed/object id. Scratch reused between calls.
        if seeds.count != n { seeds = [Int32](repeating: 0, count: n); level = [UInt8](repeating: 0, count: n) }
        for i in 0..<n { seeds[i] = 0; level[i] = UInt8(max(0, min(255, (1 - interior[i]) * 255))) }
        // 1. Seeds: 4-connected components of interior > threshold.
        var count: Int32 = 0
        areas = [0]
        for start in 0..<n where seeds[start] == 0 && interior[start] > seedThreshold {
            count += 1
            seeds[start] = count
            stack.removeAll(keepingCapacity: true)
            stack.append(Int32(start))
            var area = 0
            while let q = stack.popLast() {
                area += 1
                let i = Int(q), x = i % w
                for k in 0..<4 {
                    let j = neighbour(i, x, k, w, n)
                    guard j >= 0, seeds[j] == 0, interior[j] > seedThreshold else { continue }
                    seeds[j] = count
                    stack.append(Int32(j))
                }
            }
            areas.append(area)
        }
        // Tiny seeds (noise) are dropped: their pixels go back to unlabelled.
        if minSeedArea > 1 {
            for i in 0..<n where seeds[i] > 0 && areas[Int(seeds[i])] < minSeedArea { seeds[i] = 0 }
        }
        // 2. Watershed: flood the foreground from the seeds in order of 1 − P(interior).
        for b in 0..<256 { buckets[b].removeAll(keepingCapacity: true) }
        @inline(__always) func isForeground(_ j: Int) -> Bool { background[j] < foregroundThreshold }
        for i in 0..<n where seeds[i] > 0 {
            let x = i % w
            for k in 0..<4 {
                let j = neighbour(i, x, k, w, n)
                guard j >= 0, seeds[j] == 0, isForeground(j) else { continue }
                seeds[j] = -1
                buckets[Int(level[j])].append(Int32(j))
            }
        }
        var b = 0
        while b < 256 {
            guard let q = buckets[b].popLast() else { b += 1; continue }
            let i = Int(q), x = i % w
            // Take the label of a labelled 4-neighbour (the one it was queued from or any).
            var label: Int32 = 0
            for k in 0..<4 {
                let j = neighbour(i, x, k, w, n)
                if j >= 0, seeds[j] > 0 { label = seeds[j]; break }
            }
            seeds[i] = label
            for k in 0..<4 {
                let j = neighbour(i, x, k, w, n)
                guard j >= 0, seeds[j] == 0, isForeground(j) else { continue }
                seeds[j] = -1
                let lj = Int(level[j])
                buckets[max(lj, b)].append(Int32(j))
                // A neighbour at a lower level than the current one is processed next.
            }
        }
        // 3. Size and border filters, relabel 1…N in raster order.
        areas = [Int](repeating: 0, count: Int(count) + 1)
        var touches = [Bool](repeating: false, count: Int(count) + 1)
        for i in 0..<n where seeds[i] > 0 {
            areas[Int(seeds[i])] += 1
            let x = i % w, y = i / w
            if x == 0 || y == 0 || x == w - 1 || y == h - 1 { touches[Int(seeds[i])] = true }
        }
        keep = [UInt32](repeating: UInt32.max, count: Int(count) + 1)
        var next: UInt32 = 0
        out.pixels.withUnsafeMutableBufferPointer { o in
            for i in 0..<n where seeds[i] > 0 {
                let s = Int(seeds[i])
                if keep[s] == UInt32.max {
                    let drop = areas[s] < p.minArea || (p.maxArea.map { areas[s] > $0 } ?? false) || (p.clearBorder && touches[s])
                    if drop { keep[s] = 0 } else { next += 1; keep[s] = next }
                }
                o[i] = keep[s]
            }
        }
        return out
    }

    /// 4-neighbour `k` (left, right, up, down) of pixel `i` at column `x`, or −1 outside.
    @inline(__always) private func neighbour(_ i: Int, _ x: Int, _ k: Int, _ w: Int, _ n: Int) -> Int {
        switch k {
        case 0: return x > 0 ? i - 1 : -1
        case 1: return x < w - 1 ? i + 1 : -1
        case 2: return i >= w ? i - w : -1
        default: return i + w < n ? i + w : -1
        }
    }
}
