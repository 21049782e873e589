import CellarMeasure
import CellarImage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Benchmark entry point (for `make bench`): times ``Measurer/measure(labels:channels:)`` on a
/// field — all features, hulls, Feret, quartiles and mask RLEs — in one thread.
public enum MeasureBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public let cells: Int
        public let channels: Int
        public let width: Int
        public let height: Int
        public let iterations: Int
        /// Median milliseconds per field.
        public let medianMs: Double
        public let minMs: Double
        public let meanMaskBytes: Double

        public var description: String {
            let f = { (v: Double) in "\((v * 1000).rounded() / 1000)" }
            return "measure: \(width)x\(height), \(cells) cells, \(channels) channel(s), median \(f(medianMs)) ms/field "
                + "(min \(f(minMs)), \(iterations) runs), mask RLE \(f(meanMaskBytes)) B/cell"
        }
    }

    /// Times `iterations` measurements of the given field after one warm-up.
    public static func run(labels: Image<UInt32>, channels: [Channel], iterations: Int = 50) throws(Measurer.MeasureError) -> Result {
        let m = Measurer()
        var last = try m.measure(labels: labels, channels: channels)
        var times: [Double] = []
        for _ in 0..<iterations {
            let t0 = monotonicSeconds()
            last = try m.measure(labels: labels, channels: channels)
            times.append((monotonicSeconds() - t0) * 1000)
        }
        times.sort()
        return Result(cells: last.table.rowCount, channels: channels.count, width: labels.width, height: labels.height,
                      iterations: iterations, medianMs: times[times.count / 2], minMs: times[0],
                      meanMaskBytes: last.masks.meanBytesPerMask)
    }

    /// Times a synthetic 1024² field with ~250 nuclei and `channels` 16-bit channels
    /// ("DNA", "C2", …; copies of one image). Prints nothing; `print` the result.
    public static func runSynthetic(iterations: Int = 50, channels: Int = 1, seed: UInt64 = 1) -> Result {
        let f = SyntheticCells.field(seed: seed)
        let chans = (0..<max(1, channels)).map { Channel(name: $0 == 0 ? "DNA" : "C\($0 + 1)", image: .uint16(f.dna)) }
        // Sizes match by construction.
        return try! run(labels: f.labels, channels: chans, iterations: iterations)
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
