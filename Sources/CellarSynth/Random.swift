import Foundation

/// SplitMix64 finaliser: a bijective 64-bit mix with good avalanche.
/// Used to derive seeds and as a counter-based hash (`mix(key &+ i)`).
@inlinable
public func splitMix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// FNV-1a hash of a string's UTF-8 bytes, stable across runs and platforms
/// (unlike `Hasher`, which is randomly seeded per process).
@inlinable
public func stableHash(_ s: String) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    return h
}

/// Xoshiro256** — a small, fast, seedable generator (Blackman & Vigna).
/// Deterministic for a given seed; never touches system entropy.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    @usableFromInline var s0, s1, s2, s3: UInt64

    /// Seeds the four state words from `seed` through SplitMix64.
    public init(seed: UInt64) {
        var x = seed
        func next() -> UInt64 { x = x &+ 0x9E37_79B9_7F4A_7C15; return splitMix64(x) }
        s0 = next(); s1 = next(); s2 = next(); s3 = next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [lo, hi).
    @inlinable
    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * uniform()
    }

    /// Uniform integer in the closed range (Lemire's multiply-high; bias < span / 2⁶⁴).
    /// Our own arithmetic rather than `Int.random(in:using:)`, so the stream of
    /// fields cannot change with the standard library's implementation.
    @inlinable
    public mutating func integer(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }  // the full 64-bit range
        return range.lowerBound + Int(next().multipliedFullWidth(by: span).high)
    }

    /// Standard normal (Box–Muller, exact; for per-object draws, not per pixel).
    @inlinable
    public mutating func normal() -> Double {
        var u = uniform()
        while u <= 0 { u = uniform() }
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * uniform())
    }
}

/// Counter-based Gaussian noise: normals drawn from a 65,536-entry inverse-CDF
/// table, four per 64-bit hash of `(key, counter)`. Any block of the stream can be
/// generated independently, so the output does not depend on threading.
///
/// The table quantises N(0, 1) to 2¹⁶ equiprobable levels (tails cut at ±4.17 σ),
/// which is indistinguishable from exact Gaussian noise at image scale.
public enum GaussianTable {
    /// `values[i] = Φ⁻¹((i + 0.5) / 65536)`.
    public static let values: [Float] = (0..<65536).map { i in
        Float(inverseNormalCDF((Double(i) + 0.5) / 65536))
    }

    /// Fills `out` with standard normals for stream `key`, starting at
    /// element 0 of the stream. O(out.count), about 1 ns per value.
    public static func fill(_ out: UnsafeMutableBufferPointer<Float>, key: UInt64) {
        values.withUnsafeBufferPointer { table in
            let n = out.count
            var i = 0
            var counter: UInt64 = 0
            while i + 4 <= n {
                let h = splitMix64(key &+ counter &* 0xD1B5_4A32_D192_ED03)
                out[i] = table[Int(h & 0xFFFF)]
                out[i + 1] = table[Int((h >> 16) & 0xFFFF)]
                out[i + 2] = table[Int((h >> 32) & 0xFFFF)]
                out[i + 3] = table[Int(h >> 48)]
                i += 4; counter &+= 1
            }
            if i < n {
                var h = splitMix64(key &+ counter &* 0xD1B5_4A32_D192_ED03)
                while i < n { out[i] = table[Int(h & 0xFFFF)]; h >>= 16; i += 1 }
            }
        }
    }
}

/// Inverse of the standard normal CDF (Acklam's rational approximation refined
/// by one Halley step; relative error < 1e-12). `p` must be in (0, 1).
public func inverseNormalCDF(_ p: Double) -> Double {
    let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
             6.680131188771972e+01, -1.328068155288572e+01]
    let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
             3.754408661907416e+00]
    let plow = 0.02425
    var x: Double
    if p < plow {
        let q = (-2 * log(p)).squareRoot()
        x = (((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q+c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q+1)
    } else if p <= 1 - plow {
        let q = p - 0.5, r = q * q
        x = (((((a[0]*r+a[1])*r+a[2])*r+a[3])*r+a[4])*r+a[5])*q / (((((b[0]*r+b[1])*r+b[2])*r+b[3])*r+b[4])*r+1)
    } else {
        let q = (-2 * log(1 - p)).squareRoot()
        x = -(((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q+c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q+1)
    }
    // One Halley refinement step.
    let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
    let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
    x = x - u / (1 + x * u / 2)
    return x
}
