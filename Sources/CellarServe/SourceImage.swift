import CellarImage
import Foundation

/// One channel of a field as 16-bit levels with its cumulative histogram, so any percentile
/// is a binary search and any contrast a 65,536-entry lookup table.
struct SourceImage: Sendable {
    let width: Int
    let height: Int
    /// Row-major levels: the 8/16-bit samples as they are; float images scaled min…max → 0…65535.
    let levels: [UInt16]
    /// `cumulative[v]` = pixels with level ≤ v.
    let cumulative: [Int32]

    /// Largest side of a source image the viewer decodes.
    static let maxDimension = 16384

    /// Reads the file (TIFF or PNG). O(pixels).
    static func load(path: String) throws(ImageError) -> SourceImage {
        let image = try ImageFile.read(path, maxDimension: maxDimension)
        let levels: [UInt16]
        switch image {
        case .uint16(let i): levels = i.pixels
        case .uint8(let i): levels = i.pixels.map { UInt16($0) }
        case .float32(let i):
            var lo = Float.infinity, hi = -Float.infinity
            for v in i.pixels where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
            let scale: Float = hi > lo ? 65535 / (hi - lo) : 0
            levels = i.pixels.map { v in v.isFinite ? UInt16(max(0, min(65535, ((v - lo) * scale).rounded()))) : 0 }
        }
        var histogram = [Int32](repeating: 0, count: 65536)
        levels.withUnsafeBufferPointer { px in
            histogram.withUnsafeMutableBufferPointer { h in
                for v in px { h[Int(v)] &+= 1 }
                for i in 1 ..< 65536 { h[i] &+= h[i - 1] }
            }
        }
        return SourceImage(width: image.width, height: image.height, levels: levels, cumulative: histogram)
    }

    /// The level at percentile `p` (0…100): the smallest level with more than p % of pixels
    /// at or below it. O(log 65536).
    func level(atPercentile p: Double) -> Int {
        let total = Int(cumulative[65535])
        let target = Int32(min(max(Double(total) * p / 100, 0), Double(max(total - 1, 0))))
        var lo = 0, hi = 65535
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > target { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Levels → 0…255 with `low`…`high` percentiles stretched to the full range.
    func lookupTable(low: Double, high: Double) -> [UInt8] {
        let a = level(atPercentile: low)
        let b = max(level(atPercentile: high), a + 1)
        let scale = 255 / Double(b - a)
        return [UInt8](unsafeUninitializedCapacity: 65536) { out, count in
            for v in 0 ..< 65536 { out[v] = UInt8(max(0, min(255, (Double(v - a) * scale).rounded()))) }
            count = 65536
        }
    }
}
