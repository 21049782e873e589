/// Fast decimal text for numbers in exports: integers exactly, other values with 15
/// significant digits (trailing zeros dropped) — the precision SQLite itself uses when it
/// prints a REAL, and the most a double holds without noise digits. Positional notation for
/// 1e-5 ≤ |x| < 1e15, otherwise `1.5e-07` style (which CSV readers and JSON accept).
///
/// Integer arithmetic only after one scaling multiply: ~20 ns per value, no allocation.
/// Non-finite values are not written (callers write the missing marker).
public enum NumberFormat {
    @usableFromInline static let digitPairs: [UInt8] = {
        var out: [UInt8] = []
        for i in 0 ..< 100 {
            out.append(UInt8(48 + i / 10))
            out.append(UInt8(48 + i % 10))
        }
        return out
    }()

    /// Exact powers of ten up to 1e22.
    @usableFromInline static let exactPowers: [Double] = (0 ... 22).map { k in
        var p = 1.0
        for _ in 0 ..< k { p *= 10 }
        return p
    }

    /// Writes `x` (finite) at `p`; returns the byte count (≤ 24).
    @inlinable
    public static func write(_ value: Double, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var x = value
        var n = 0
        if x.sign == .minus && x != 0 {
            p[0] = UInt8(ascii: "-")
            n = 1
            x = -x
        }
        if x == 0 { p[n] = UInt8(ascii: "0"); return n + 1 }
        if x < 1e15, Double(Int64(x)) == x {
            return n + writeDigits(UInt64(x), to: p + n)
        }
        // Decimal exponent estimate from the binary exponent (bits; subnormals via .exponent),
        // then correct it by scaling to 15 digits.
        let biased = Int((x.bitPattern >> 52) & 0x7FF)
        let e2 = biased == 0 ? Int(x.exponent) : biased - 1023
        var e10 = (e2 * 78913) >> 18  // floor(e2 · log10 2)
        var m: UInt64 = 0
        for _ in 0 ..< 3 {
            let scaled = scale(x, by: 14 - e10)
            // Truncate (not round) at the top of the range, so the text never reads back as inf.
            m = x > 1.797693134862315e308 ? UInt64(scaled) : UInt64(scaled + 0.5)
            if m >= 1_000_000_000_000_000 { e10 += 1; continue }
            if m < 100_000_000_000_000 { e10 -= 1; continue }
            break
        }
        if m >= 1_000_000_000_000_000 { m = (m + 5) / 10; e10 += 1 }
        // Exactly 15 digits into scratch, then drop trailing zeros.
        var scratch: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &scratch) { raw -> Int in
            let d = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            digitPairs.withUnsafeBufferPointer { pairs in
                var v = m
                var i = 15
                while i > 1 {
                    let r = Int(v % 100)
                    v /= 100
                    d[i - 1] = pairs[2 * r + 1]
                    d[i - 2] = pairs[2 * r]
                    i -= 2
                }
                d[0] = UInt8(48 + v)
            }
            var digits = 15
            while digits > 1 && d[digits - 1] == 48 { digits -= 1 }
            if e10 >= -5 && e10 < 15 {
                if e10 >= 0 {
                    let intDigits = e10 + 1
                    let lead = min(intDigits, digits)
                    for i in 0 ..< lead { p[n + i] = d[i] }
                    n += lead
                    if intDigits > digits {
                        for _ in 0 ..< (intDigits - digits) { p[n] = UInt8(ascii: "0"); n += 1 }
                    } else if digits > intDigits {
                        p[n] = UInt8(ascii: "."); n += 1
                        for i in intDigits ..< digits { p[n] = d[i]; n += 1 }
                    }
                } else {
                    p[n] = UInt8(ascii: "0"); p[n + 1] = UInt8(ascii: "."); n += 2
                    for _ in 0 ..< (-e10 - 1) { p[n] = UInt8(ascii: "0"); n += 1 }
                    for i in 0 ..< digits { p[n] = d[i]; n += 1 }
                }
            } else {
                p[n] = d[0]; n += 1
                if digits > 1 {
                    p[n] = UInt8(ascii: "."); n += 1
                    for i in 1 ..< digits { p[n] = d[i]; n += 1 }
                }
                p[n] = UInt8(ascii: "e"); n += 1
                var e = e10
                if e < 0 { p[n] = UInt8(ascii: "-"); e = -e } else { p[n] = UInt8(ascii: "+") }
                n += 1
                if e >= 100 { p[n] = UInt8(48 + e / 100); n += 1; e %= 100 }
                p[n] = UInt8(48 + e / 10); p[n + 1] = UInt8(48 + e % 10)
                n += 2
            }
            return n
        }
    }

    /// `x × 10^k`, with exact powers (two steps beyond 1e22).
    @inlinable @inline(__always)
    static func scale(_ x: Double, by k: Int) -> Double {
        if k >= 0 {
            if k <= 22 { return x * exactPowers[k] }
            var y = x * 1e22
            var r = k - 22
            while r > 22 { y *= 1e22; r -= 22 }
            return y * exactPowers[r]
        }
        let j = -k
        if j <= 22 { return x / exactPowers[j] }
        var y = x / 1e22
        var r = j - 22
        while r > 22 { y /= 1e22; r -= 22 }
        return y / exactPowers[r]
    }

    /// Writes a signed integer; returns the byte count.
    @inlinable
    public static func write(int value: Int, to p: UnsafeMutablePointer<UInt8>) -> Int {
        if value < 0 {
            p[0] = UInt8(ascii: "-")
            return 1 + writeDigits(value.magnitude.toUInt64, to: p + 1)
        }
        return writeDigits(UInt64(value), to: p)
    }

    /// Writes the decimal digits of `v`; returns the count.
    @inlinable @inline(__always)
    static func writeDigits(_ value: UInt64, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var v = value
        var length = 1
        var t = v
        while t >= 10 { t /= 10; length += 1 }
        var i = length
        digitPairs.withUnsafeBufferPointer { pairs in
            while v >= 100 {
                let r = Int(v % 100)
                v /= 100
                p[i - 1] = pairs[2 * r + 1]
                p[i - 2] = pairs[2 * r]
                i -= 2
            }
            if v >= 10 {
                let r = Int(v)
                p[i - 1] = pairs[2 * r + 1]
                p[i - 2] = pairs[2 * r]
            } else {
                p[i - 1] = UInt8(48 + v)
            }
        }
        return length
    }

    /// The text `write` produces, as a String (for tables and tests).
    public static func string(_ x: Double) -> String {
        guard x.isFinite else { return "" }
        var bytes = [UInt8](repeating: 0, count: 32)
        let n = bytes.withUnsafeMutableBufferPointer { write(x, to: $0.baseAddress!) }
        return String(decoding: bytes[0 ..< n], as: UTF8.self)
    }
}

extension UInt {
    @usableFromInline var toUInt64: UInt64 { UInt64(self) }
}
