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
    var counts = [UInt32](repeating: 0, count: 1024)

    mutating func ensure(_ n: Int) {
        if keys.count < n {
            let c = Swift.max(n, keys.count * 2)
            keys = [UInt32](repeating: 0, count: c)
            tmp = [UInt32](repeating: 0, count: c)
        }
    }

    /// Sorts `keys[0..<n]` ascending: insertion sort for small n, otherwise LSD radix sort on
    /// the bytes that vary (`varying` = OR ^ AND of all keys), all digit histograms taken in
    /// one read pass. O(n × varying bytes).
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
            // Shifts of the varying bytes, packed 8 bits each (at most 4 digits).
            var packed: UInt32 = 0, nd = 0
            for byte in 0..<4 where (varying >> UInt32(byte * 8)) & 0xff != 0 {
                packed |= UInt32(byte * 8) << UInt32(nd * 8)
                nd += 1
            }
            guard nd > 0 else { return }
            @inline(__always) func shift(_ j: Int) -> UInt32 { (packed >> UInt32(j * 8)) & 0xff }
            tmp.withUnsafeMutableBufferPointer { t in
                counts.withUnsafeMutableBufferPointer { c in
                    for i in 0..<(nd * 256) { c[i] = 0 }
                    let s0 = shift(0), s1 = shift(1)
                    if nd == 1 {
                        for i in 0..<n { c[Int((k[i] >> s0) & 0xff)] &+= 1 }
                    } else if nd == 2 {
                        for i in 0..<n {
                            let v = k[i]
                            c[Int((v >> s0) & 0xff)] &+= 1
                            c[256 + Int((v >> s1) & 0xff)] &+= 1
                        }
                    } else {
                        for i in 0..<n {
                            let v = k[i]
                            for j in 0..<nd { c[j * 256 + Int((v >> shift(j)) & 0xff)] &+= 1 }
                        }
                    }
                    var src = k.baseAddress!, dst = t.baseAddress!
                    for j in 0..<nd {
                        let sh = shift(j)
                        let h = c.baseAddress! + j * 256
                        var sum: UInt32 = 0
                        for i in 0..<256 { let v = h[i]; h[i] = sum; sum &+= v }
                        for i in 0..<n {
                            let v = src[i]
                            let d = Int((v >> sh) & 0xff)
                            dst[Int(h[d])] = v
                            h[d] &+= 1
                        }
                        swap(&src, &dst)
                    }
                    if nd % 2 == 1 { for i in 0..<n { k[i] = t[i] } }
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
