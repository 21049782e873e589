/// A statistic `cellar summary` can report.
public enum Statistic: String, CaseIterable, Sendable {
    case count, mean, sd, median, q25, q75, min, max, mad

    /// The default set.
    public static let defaults: [Statistic] = [.count, .mean, .sd, .median, .q25, .q75, .min, .max, .mad]
}

/// Exact order statistics and moments of a sample, NaN (missing) values excluded.
///
/// Conventions (those of pandas/numpy, so results match `DataFrame.describe()`):
/// `sd` is the sample standard deviation (n − 1 denominator); quantiles interpolate linearly
/// between order statistics (numpy's default, `q = (n − 1)·p`); `median` is the 0.5 quantile;
/// `mad` is the unscaled median absolute deviation from the median.
public enum Stats {
    /// Computes `statistics` of `values` (reordered in place). Returns one value per
    /// statistic; NaN where undefined (no values; `sd` of one value).
    /// O(n) expected: quickselect for each order statistic, no sort.
    public static func compute(_ statistics: [Statistic], values: inout [Double]) -> [Double] {
        // Drop NaNs (missing) first.
        var n = 0
        values.withUnsafeMutableBufferPointer { v in
            for i in 0 ..< v.count where !v[i].isNaN {
                v[n] = v[i]
                n += 1
            }
        }
        if n < values.count { values.removeLast(values.count - n) }
        return values.withUnsafeMutableBufferPointer { v in
            compute(statistics, buffer: v)
        }
    }

    /// Same on a buffer without NaNs (reordered in place).
    public static func compute(_ statistics: [Statistic], buffer v: UnsafeMutableBufferPointer<Double>) -> [Double] {
        let n = v.count
        var sum = 0.0, lo = Double.infinity, hi = -Double.infinity
        for x in v {
            sum += x
            lo = Swift.min(lo, x)
            hi = Swift.max(hi, x)
        }
        let mean = n > 0 ? sum / Double(n) : .nan
        var median = Double.nan
        var medianDone = false
        func med() -> Double {
            if !medianDone { median = quantile(v, 0.5); medianDone = true }
            return median
        }
        var out: [Double] = []
        out.reserveCapacity(statistics.count)
        for s in statistics {
            switch s {
            case .count: out.append(Double(n))
            case .mean: out.append(mean)
            case .sd:
                if n < 2 { out.append(.nan); break }
                var ss = 0.0
                for x in v { ss += (x - mean) * (x - mean) }
                out.append((ss / Double(n - 1)).squareRoot())
            case .median: out.append(n > 0 ? med() : .nan)
            case .q25: out.append(n > 0 ? quantile(v, 0.25) : .nan)
            case .q75: out.append(n > 0 ? quantile(v, 0.75) : .nan)
            case .min: out.append(n > 0 ? lo : .nan)
            case .max: out.append(n > 0 ? hi : .nan)
            case .mad:
                if n == 0 { out.append(.nan); break }
                let m = med()
                var deviations = [Double](repeating: 0, count: n)
                for i in 0 ..< n { deviations[i] = abs(v[i] - m) }
                out.append(deviations.withUnsafeMutableBufferPointer { quantile($0, 0.5) })
            }
        }
        return out
    }

    /// The `p` quantile with linear interpolation (numpy default), reordering `v`.
    /// O(n) expected (quickselect). `v` must be non-empty and NaN-free.
    public static func quantile(_ v: UnsafeMutableBufferPointer<Double>, _ p: Double) -> Double {
        let n = v.count
        let position = Double(n - 1) * p
        let k = Int(position.rounded(.down))
        let fraction = position - Double(k)
        let a = select(v, k)
        if fraction == 0 || k + 1 >= n { return a }
        // The next order statistic is the minimum of the part right of k.
        var b = Double.infinity
        for i in (k + 1) ..< n { b = Swift.min(b, v[i]) }
        return a + (b - a) * fraction
    }

    /// Median of the non-NaN values (nil if none); reorders `values`. O(n) expected.
    public static func median(_ values: inout [Double]) -> Double? {
        let r = compute([.count, .median], values: &values)
        return r[0] > 0 ? r[1] : nil
    }

    /// Quickselect (Hoare partition, median-of-three pivot): afterwards `v[k]` is the k-th
    /// smallest, everything left of it ≤, right of it ≥. O(n) expected.
    public static func select(_ v: UnsafeMutableBufferPointer<Double>, _ k: Int) -> Double {
        var lo = 0, hi = v.count - 1
        while hi > lo {
            if hi - lo < 16 {
                // Insertion sort for short ranges.
                for i in (lo + 1) ... hi {
                    let x = v[i]
                    var j = i - 1
                    while j >= lo && v[j] > x { v[j + 1] = v[j]; j -= 1 }
                    v[j + 1] = x
                }
                break
            }
            let mid = lo + (hi - lo) / 2
            if v[mid] < v[lo] { v.swapAt(mid, lo) }
            if v[hi] < v[lo] { v.swapAt(hi, lo) }
            if v[hi] < v[mid] { v.swapAt(hi, mid) }
            let pivot = v[mid]
            var i = lo, j = hi
            while i <= j {
                while v[i] < pivot { i += 1 }
                while v[j] > pivot { j -= 1 }
                if i <= j {
                    v.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { break }
        }
        return v[k]
    }
}
