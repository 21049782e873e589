import Foundation

/// Fast decimal text for numbers in exports: integers exactly, other values with 15
/// significant digits (trailing zeros dropped) — the precision SQLite itself uses when it
/// prints a REAL, and the most a double holds without noise digits. Positional notation for
/// 1e-5 ≤ |x| < 1e15, otherwise `1.5e-07` style (which CSV readers and JSON accept).
///
/// Integer arithmetic only after one scaling multiply; digits are made eight at a time in a
/// 64-bit register (SWAR) and stored with fixed-width unaligned stores, so there is no
/// per-digit loop, no table and no allocation: ~6 ns per value.
/// Non-finite values are not written (callers write the missing marker).
public enum NumberFormat {
    /// Bytes `write` may touch past `p` (the returned count is smaller; the rest is scratch
    /// that the next value overwrites). Callers reserve this much per value.
    public static let scratchBytes = 32

    /// Writes `x` (finite) at `p`; returns the byte count (≤ 24). Touches at most
    /// `scratchBytes` bytes from `p`.
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
        // The 15 digits as text: bytes 1…15 of the 16-byte string `s0 s1` (byte 0 is a leading
        // '0'; bytes past 15 read as '0'), kept in registers — fixed-width windows of it are
        // stored straight to the output (no scratch in memory, so no store-forwarding stalls).
        let hi = eightDigits(UInt32(m / 100_000_000)), lo = eightDigits(UInt32(m % 100_000_000))
        let trailingZeros = lo != 0 ? lo.leadingZeroBitCount >> 3 : 8 + (hi.leadingZeroBitCount >> 3)
        let digits = 15 - trailingZeros
        let s0 = hi | asciiZeros, s1 = lo | asciiZeros
        let out = UnsafeMutableRawPointer(p)
        if e10 >= 0 && e10 < 15 {
            let intDigits = e10 + 1
            store16(s0, s1, from: 1, to: out + n)
            if digits <= intDigits { return n + intDigits }
            out.storeBytes(of: UInt8(ascii: "."), toByteOffset: n + intDigits, as: UInt8.self)
            store16(s0, s1, from: 1 + intDigits, to: out + n + intDigits + 1)
            return n + digits + 1
        }
        if e10 >= -5 && e10 < 0 {
            p[n] = UInt8(ascii: "0"); p[n + 1] = UInt8(ascii: ".")
            (out + n + 2).storeBytes(of: asciiZeros, as: UInt64.self)
            let zeros = -e10 - 1
            store16(s0, s1, from: 1, to: out + n + 2 + zeros)
            return n + 2 + zeros + digits
        }
        var text: (UInt64, UInt64) = (s0.littleEndian, s1.littleEndian)
        return withUnsafeBytes(of: &text) { raw -> Int in
            let t = raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + 1
            p[n] = t[0]; n += 1
            if digits > 1 {
                p[n] = UInt8(ascii: "."); n += 1
                for i in 1 ..< digits { p[n] = t[i]; n += 1 }
            }
            p[n] = UInt8(ascii: "e"); n += 1
            var e = e10
            if e < 0 { p[n] = UInt8(ascii: "-"); e = -e } else { p[n] = UInt8(ascii: "+") }
            n += 1
            if e >= 100 { p[n] = UInt8(48 + e / 100); n += 1; e %= 100 }
            p[n] = UInt8(48 + e / 10); p[n + 1] = UInt8(48 + e % 10)
            return n + 2
        }
    }

    /// Stores bytes `offset ..< offset + 16` (1 ≤ offset ≤ 16) of the 16-byte string `a b`
    /// (byte i at bits 8i of its word; '0' past the end) at `to`, as two 8-byte stores.
    @inlinable @inline(__always)
    static func store16(_ a: UInt64, _ b: UInt64, from offset: Int, to: UnsafeMutableRawPointer) {
        let first: UInt64, second: UInt64
        if offset < 8 {
            let r = UInt64(8 * offset), l = 64 - r
            first = (a &>> r) | (b &<< l)
            second = (b &>> r) | (asciiZeros &<< l)
        } else if offset == 8 {
            first = b
            second = asciiZeros
        } else {
            let r = UInt64(8 * (offset - 8)), l = 64 - r
            first = offset < 16 ? (b &>> r) | (asciiZeros &<< l) : asciiZeros
            second = asciiZeros
        }
        to.storeBytes(of: first.littleEndian, as: UInt64.self)
        (to + 8).storeBytes(of: second.littleEndian, as: UInt64.self)
    }

    @usableFromInline static let asciiZeros: UInt64 = 0x3030_3030_3030_3030

    /// The eight decimal digits of `v` < 10⁸ (leading zeros included) as byte values 0…9 of a
    /// word, most significant digit in the lowest byte (store it `.littleEndian`). Branch-free (SWAR:
    /// split in 4+4 digits, then 2+2 per lane, then 1+1 per lane, by multiply-shift division).
    @inlinable @inline(__always)
    static func eightDigits(_ v: UInt32) -> UInt64 {
        let merged = UInt64(v / 10000) | (UInt64(v % 10000) << 32)
        let top = ((merged &* 10486) >> 20) & ((0x7F << 32) | 0x7F)
        let hundreds = ((merged &- 100 &* top) << 16) &+ top
        let tens = ((hundreds &* 103) >> 10) & ((0xF << 48) | (0xF << 32) | (0xF << 16) | 0xF)
        return tens &+ ((hundreds &- 10 &* tens) << 8)
    }

    /// 10^k for 0 ≤ k ≤ 22, exactly (a constant table the compiler builds from the switch).
    @inlinable @inline(__always)
    static func exactPower(_ k: Int) -> Double {
        switch k {
        case 0: 1; case 1: 1e1; case 2: 1e2; case 3: 1e3; case 4: 1e4; case 5: 1e5; case 6: 1e6
        case 7: 1e7; case 8: 1e8; case 9: 1e9; case 10: 1e10; case 11: 1e11; case 12: 1e12
        case 13: 1e13; case 14: 1e14; case 15: 1e15; case 16: 1e16; case 17: 1e17; case 18: 1e18
        case 19: 1e19; case 20: 1e20; case 21: 1e21; default: 1e22
        }
    }

    /// `x × 10^k`, with exact powers (two steps beyond 1e22).
    @inlinable @inline(__always)
    static func scale(_ x: Double, by k: Int) -> Double {
        if k >= 0 {
            if k <= 22 { return x * exactPower(k) }
            var y = x * 1e22
            var r = k - 22
            while r > 22 { y *= 1e22; r -= 22 }
            return y * exactPower(r)
        }
        let j = -k
        if j <= 22 { return x / exactPower(j) }
        var y = x / 1e22
        var r = j - 22
        while r > 22 { y /= 1e22; r -= 22 }
        return y / exactPower(r)
    }

    /// Writes a signed integer; returns the byte count. Touches at most `scratchBytes` bytes.
    @inlinable
    public static func write(int value: Int, to p: UnsafeMutablePointer<UInt8>) -> Int {
        if value < 0 {
            p[0] = UInt8(ascii: "-")
            return 1 + writeDigits(value.magnitude.toUInt64, to: p + 1)
        }
        return writeDigits(UInt64(value), to: p)
    }

    /// Writes the decimal digits of `v`; returns the count (8-byte stores: touches up to 24
    /// bytes).
    @inlinable @inline(__always)
    static func writeDigits(_ value: UInt64, to p: UnsafeMutablePointer<UInt8>) -> Int {
        let out = UnsafeMutableRawPointer(p)
        if value < 100_000_000 { return writeUpTo8(UInt32(value), out) }
        if value < 10_000_000_000_000_000 {
            let lead = writeUpTo8(UInt32(value / 100_000_000), out)
            (out + lead).storeBytes(of: (eightDigits(UInt32(value % 100_000_000)) | asciiZeros).littleEndian, as: UInt64.self)
            return lead + 8
        }
        let lead = writeUpTo8(UInt32(value / 10_000_000_000_000_000), out)
        let rest = value % 10_000_000_000_000_000
        (out + lead).storeBytes(of: (eightDigits(UInt32(rest / 100_000_000)) | asciiZeros).littleEndian, as: UInt64.self)
        (out + lead + 8).storeBytes(of: (eightDigits(UInt32(rest % 100_000_000)) | asciiZeros).littleEndian, as: UInt64.self)
        return lead + 16
    }

    /// Digits of `v` < 10⁸ without leading zeros ("0" for 0): one 8-byte store.
    @inlinable @inline(__always)
    static func writeUpTo8(_ v: UInt32, _ out: UnsafeMutableRawPointer) -> Int {
        let d = eightDigits(v)
        let leading = v == 0 ? 7 : d.trailingZeroBitCount >> 3
        out.storeBytes(of: ((d >> UInt64(8 * leading)) | asciiZeros).littleEndian, as: UInt64.self)
        return 8 - leading
    }

    /// A number for people (human tables): integers whole, |x| ≥ 1000 rounded to an integer,
    /// else 4 significant digits (`565.7`, `0.1235`), `1.23e-05` below 1e-4. Scripts get
    /// ``string(_:)`` (full precision) through `--format csv|tsv|json`.
    public static func human(_ x: Double) -> String {
        guard x.isFinite else { return "" }
        if x == x.rounded(), abs(x) < 1e15 { return string(x) }
        if abs(x) >= 1000 { return string(x.rounded()) }
        if abs(x) >= 1e-4 { return String(format: "%.4g", x) }
        return String(format: "%.2e", x)
    }

    /// The text `write` produces, as a String (for tables and tests).
    public static func string(_ x: Double) -> String {
        guard x.isFinite else { return "" }
        var bytes = [UInt8](repeating: 0, count: 48)
        let n = bytes.withUnsafeMutableBufferPointer { write(x, to: $0.baseAddress!) }
        return String(decoding: bytes[0 ..< n], as: UTF8.self)
    }
}

extension UInt {
    @usableFromInline var toUInt64: UInt64 { UInt64(self) }
}
