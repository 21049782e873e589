import CellarSegment
import CellarImage

/// Single-thread timing of ``WatershedSegmenter`` for `cellar segment --profile` / `make bench`.
public enum SegmentationBenchmark {
    /// Segments every image `passes` times on the calling thread with one segmenter
    /// (buffers reused, as a worker would) and returns the mean milliseconds per stage and
    /// field; with `passes > 1` the first pass is a discarded warm-up. `objects` in the
    /// result is the total over the timed passes divided by their count (per field set).
    /// O(passes × pixels).
    public static func run(_ images: [Image<Float>], parameters: SegmentationParameters = SegmentationParameters(),
                           passes: Int = 3) -> SegmentationProfile {
        let seg = WatershedSegmenter(parameters: parameters)
        seg.profiling = true
        var labels = Image<UInt32>(width: 0, height: 0)
        var total = SegmentationProfile()
        let passes = max(passes, 1)
        for pass in 0..<passes {
            for img in images {
                seg.segment(img, into: &labels)
                if pass > 0 || passes == 1 { total += seg.lastProfile }
            }
        }
        let timed = Double(passes == 1 ? 1 : passes - 1)
        var mean = total.divided(by: timed * Double(max(images.count, 1)))
        mean.objects = Int((Double(total.objects) / timed).rounded())
        return mean
    }
}
