/// Pixel types whose values map to order-preserving 32-bit sort keys.
protocol SortKeyPixel {
    /// Order-preserving key.
    var sortKey: UInt32 { get }
    /// The raw (unscaled) value of a key.
    static func value(ofKey k: UInt32) -> Double
    /// The raw value.
    var rawDouble: Double { get }
    /// Whether values are integers (then sums are accumulated exactly in integers).
    static var isInteger: Bool { get }
}

extension UInt8: SortKeyPixel {
    @inline(__always) var sortKey: UInt32 { UInt32(self) }
    @inline(__always) static func value(ofKey k: UInt32) -> Double { Double(k) }
    @inline(__always) var rawDouble: Double { Double(self) }
    static var isInteger: Bool { true }
}

extension UInt16: SortKeyPixel {
    @inline(__always) var sortKey: UInt32 { UInt32(self) }
    @inline(__always) static func value(ofKey k: UInt32) -> Double { Double(k) }
    @inline(__always) var rawDouble: Double { Double(self) }
    static var isInteger: Bool { true }
}

extension Float: SortKeyPixel {
    /// IEEE bits with the sign handled so that unsigned order = numeric order.
    @inline(__always) var sortKey: UInt32 {
        let b = bitPattern
        return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    }
    @inline(__always) static func value(ofKey k: UInt32) -> Double {
        Double(Float(bitPattern: k & 0x8000_0000 != 0 ? k & 0x7fff_ffff : ~k))
    }
    @inline(__always) var rawDouble: Double { Double(self) }
    static var isInteger: Bool { false }
}

/// Scratch for per-object intensity statistics: sort keys and a radix-sort buffer.
struct IntensityScratch {
    var keys: [UInt32] = []
    var tmp: [UInt32] = []
    var counts = [Int](repeating: 0, count: 256)

    mutating func ensure(_ n: Int) {
        if keys.count < n {
            let c = Swift.max(n, keys.count * 2)
            keys = [UInt32](repeating: 0, count: c)
            tmp = [UInt32](repeating: 0, count: c)
        }
    }

    /// Sorts `keys[0..<n]` ascending: insertion sort for small n, otherwise LSD radix sort on
    /// the bytes that vary (`varying` = OR ^ AND of all keys). O(n × varying bytes).
    mutating func sort(_ n: Int, varying: UInt32) {
        keys.withUnsafeMutableBufferPointer { k in
            if n <= 48 {
                for i in 1..<Swift.max(n, 1) {
                    let v = k[i]
                    var j = i - 1
                    while j >= 0 && k[j] > v { k[j + 1] = k[j]; j -= 1 }
                    k[j + 1] = v
                }
                return
            }
            tmp.withUnsafeMutableBufferPointer { t in
                counts.withUnsafeMutableBufferPointer { c in
                    var src = k.baseAddress!, dst = t.baseAddress!
                    var swapped = false
                    for byte in 0..<4 {
                        let shift = UInt32(byte * 8)
                        guard (varying >> shift) & 0xff != 0 else { continue }
                        for i in 0..<256 { c[i] = 0 }
                        for i in 0..<n { c[Int((src[i] >> shift) & 0xff)] += 1 }
                        var sum = 0
                        for i in 0..<256 { let v = c[i]; c[i] = sum; sum += v }
                        for i in 0..<n {
                            let v = src[i]
                            let d = Int((v >> shift) & 0xff)
                            dst[c[d]] = v
                            c[d] += 1
                        }
                        swap(&src, &dst)
                        swapped.toggle()
                    }
                    if swapped { for i in 0..<n { k[i] = t[i] } }
                }
            }
        }
    }
}

/// CellProfiler's quantile of sorted values `v[0..<n]` (MeasureObjectIntensity): position
/// q = n·f, i = ⌊q⌋, t = q − i; v[i]·(1−t) + v[i+1]·t when i < n−1, else v[i].
/// (So the "median" of an even count is the upper middle value, not the mean of the two.)
@inline(__always)
func cellProfilerQuantile(_ n: Int, _ f: Double, _ v: (Int) -> Double) -> Double {
    let q = Double(n) * f
    let i = Int(q.rounded(.down))
    let t = q - Double(i)
    return i < n - 1 ? v(i) * (1 - t) + v(i + 1) * t : v(i)
}

/// The k-th smallest (0-based) element of the union of two ascending sequences of lengths
/// `na` and `nb` given by accessors. O(log(na + nb)).
@inline(__always)
func kthOfTwoSorted(_ k: Int, _ na: Int, _ a: (Int) -> Double, _ nb: Int, _ b: (Int) -> Double) -> Double {
    // Find how many elements come from `a`: the largest i in [max(0, k+1-nb), min(k+1, na)]
    // such that a[i-1] <= b[k-i] (i elements from a, k+1-i from b).
    var lo = Swift.max(0, k + 1 - nb), hi = Swift.min(k + 1, na)
    while lo < hi {
        let i = (lo + hi + 1) / 2          // candidate count from a (≥ 1)
        let j = k + 1 - i                  // count from b
        if j < nb && b(j) < a(i - 1) { hi = i - 1 } else { lo = i }
    }
    let i = lo, j = k + 1 - i
    let lastA = i > 0 ? a(i - 1) : -Double.infinity
    let lastB = j > 0 ? b(j - 1) : -Double.infinity
    return Swift.max(lastA, lastB)
}

/// Per-object, per-channel accumulations gathered from the object's runs.
struct ChannelSums {
    var sum = 0.0
    var sumX = 0.0
    var sumY = 0.0
    var orKeys: UInt32 = 0
    var andKeys: UInt32 = .max
}
