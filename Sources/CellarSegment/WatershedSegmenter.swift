import CellarImage

/// Classical nuclei segmentation (the reference pipeline, written for speed):
/// Gaussian blur → Otsu threshold corrected relative to the background → fill holes →
/// 8-connected components, drop small ones → exact distance transform (smoothed) →
/// markers at its maxima → watershed from the markers inside the foreground →
/// optional saddle-depth merging → necks between overlapping nuclei cut at facing
/// concavities (``ConcavitySplitter``) → per-object trimming of dim pixels (relative to
/// each object's mean) → size/border filters → necks again → labels 1…N in raster order.
///
/// A class with reusable scratch buffers: create one per worker and call ``segment(_:)``
/// for every field. Not `Sendable`; do not share one instance between threads.
/// Whole pipeline: O(width × height · σ) time, O(width × height) scratch.
public final class WatershedSegmenter: Segmenter {
    public var parameters: SegmentationParameters {
        didSet { configure() }
    }
    /// When true, ``lastProfile`` receives per-stage timings (off: no clock reads).
    public var profiling = false
    /// Timings of the most recent ``segment(_:)`` call when ``profiling`` is on.
    public private(set) var lastProfile = SegmentationProfile()
    public var lastStages: StageTimings { lastProfile.timings }
    /// Threshold used for the most recent image (smoothed-intensity units).
    public private(set) var lastThreshold: Float = 0

    private var blur: GaussianBlur
    private var distBlur: GaussianBlur?
    private var bufA: [Float] = []
    private var bufB: [Float] = []
    /// The smoothed image, kept for the per-object refinement.
    private var smooth: [Float] = []
    private var background: Float = 0
    /// Per-object trim level and intensity sum (scratch of the cleanup).
    private var objCut: [Float] = []
    private var objSum: [Double] = []
    private var histIndex: [Int32] = []
    private var raw = RunSet(), filled = RunSet(), bgRuns = RunSet(), kept = RunSet()
    private var refined = RunSet(), refilled = RunSet()
    private var flags: [Bool] = []
    private var areas: [Int] = []
    private var compRemap: [Int32] = []
    private var edt = DistanceTransformer()
    private var finder = MarkerFinder()
    private var watershed = Watershed()
    private var markers: [Int32] = []
    private var markerComp: [Int32] = []
    private var markerOrder: [Int32] = []
    private var groupStart: [Int32] = []
    private var compBox: [Int32] = []
    private var hasMarker: [Bool] = []
    private var objArea: [Int] = []
    private var objDrop: [Bool] = []
    private var newID: [UInt32] = []
    private var merger = RegionMerger()
    private var splitter = ConcavitySplitter()
    private var remap: [UInt32] = []

    public init(parameters: SegmentationParameters = SegmentationParameters()) {
        self.parameters = parameters
        blur = GaussianBlur(sigma: max(parameters.sigma, 1e-3))
        configure()
    }

    private func configure() {
        blur = GaussianBlur(sigma: max(parameters.sigma, 1e-3), border: .nearest)
        distBlur = parameters.distSigma > 0 ? GaussianBlur(sigma: parameters.distSigma, border: .reflect) : nil
    }

    /// Segments `image` into `labels` (resized if needed), reusing its storage.
    public func segment(_ image: Image<Float>, into labels: inout Image<UInt32>) {
        image.pixels.withUnsafeBufferPointer { run($0.baseAddress, width: image.width, height: image.height, into: &labels) }
    }

    /// Segments an 8-bit, 16-bit or float image without converting it to a Float image
    /// first (the blur reads the raw pixels); same labels as `segment(image.floatImage())`.
    public func segment(_ image: AnyImage, into labels: inout Image<UInt32>) {
        switch image {
        case .uint8(let i): i.pixels.withUnsafeBufferPointer { run($0.baseAddress, width: i.width, height: i.height, into: &labels) }
        case .uint16(let i): i.pixels.withUnsafeBufferPointer { run($0.baseAddress, width: i.width, height: i.height, into: &labels) }
        case .float32(let i): segment(i, into: &labels)
        }
    }

    private func run<P: BlurPixel>(_ src: UnsafePointer<P>?, width w: Int, height h: Int, into labels: inout Image<UInt32>) {
        let n = w * h
        if labels.width != w || labels.height != h { labels = Image<UInt32>(width: w, height: h) }
        var clock = StageClock(on: profiling)
        var prof = SegmentationProfile()
        let p = parameters
        if n == 0 { lastProfile = prof; return }
        if bufA.count < n { bufA = [Float](repeating: 0, count: n); bufB = bufA; smooth = bufA }

        // 1. Blur into `smooth` (its minimum and maximum come with it).
        var range: (min: Float, max: Float)? = nil
        smooth.withUnsafeMutableBufferPointer { dst in
            if p.sigma > 0 {
                range = blur.apply(src, into: dst, width: w, height: h)
            } else {
                for y in 0..<h { P.convert(src! + y * w, into: dst.baseAddress! + y * w, count: w) }
            }
        }
        prof.blur = clock.lap()

        // 2. Threshold, fill holes, components, drop small components.
        let thr: Float = smooth.withUnsafeBufferPointer { sb in
            let sm = UnsafeBufferPointer(rebasing: sb[0..<n])
            let hist = range.map { IntensityHistogram(sm, minimum: $0.min, maximum: $0.max) }
                ?? IntensityHistogram(sm, indexScratch: &histIndex)
            let bg = p.backgroundPercentile > 0 ? hist.percentile(p.backgroundPercentile) : hist.minimum
            background = bg
            if let t = p.manualThreshold { return t }
            let otsu = hist.otsu()
            if hist.minimum == hist.maximum { return otsu }   // constant: nothing above it
            return correctedThreshold(otsu, background: bg, scale: p.thresholdScale)
        }
        lastThreshold = thr
        smooth.withUnsafeBufferPointer { raw.build(from: $0.baseAddress!, threshold: thr, width: w, height: h) }
        if p.fillHoles { fillHoles(raw, into: &filled, background: &bgRuns, flags: &flags) } else { filled = raw }
        filled.label(eightConnected: true)
        filled.componentAreas(into: &areas)
        kept.reset(width: w, height: h)
        do {
            compRemap.removeAll(keepingCapacity: true)
            compRemap.append(contentsOf: repeatElement(-1, count: filled.componentCount))
            var k: Int32 = 0
            kept.component.removeAll(keepingCapacity: true)
            for y in 0..<h {
                kept.rowStart.append(Int32(kept.start.count))
                for r in Int(filled.rowStart[y])..<Int(filled.rowStart[y + 1]) {
                    let c = Int(filled.component[r])
                    if areas[c] < p.minArea { continue }
                    if compRemap[c] < 0 { compRemap[c] = k; k += 1 }
                    kept.start.append(filled.start[r]); kept.end.append(filled.end[r])
                    kept.component.append(compRemap[c])
                }
            }
            kept.rowStart.append(Int32(kept.start.count))
            kept.componentCount = Int(k)
        }
        prof.threshold = clock.lap()

        // Component boxes (x0, y0, x1, y1 inclusive): the sparse distance blur and the tiles
        // of the watershed.
        kept.componentBoxes(into: &compBox)
        // 3. Distance transform of the kept foreground into bufB (zero elsewhere: cleared at the
        // end of every run), smoothed into bufA.
        bufA.withUnsafeMutableBufferPointer { ab in
            bufB.withUnsafeMutableBufferPointer { bb in
                let a = ab.baseAddress!, b = bb.baseAddress!
                edt.transform(runs: kept, into: b)
                if distBlur != nil {
                    // bufA is zero outside the last field's written intervals (cleared below).
                    distBlur!.applySparse(b, into: a, width: w, height: h, boxes: compBox)
                } else {
                    a.update(from: b, count: n)
                }
            }
        }
        prof.distance = clock.lap()

        // 4. Markers; every component gets at least one (at its maximum).
        bufA.withUnsafeBufferPointer { finder.find(surface: $0.baseAddress!, runs: kept, minDistance: p.minDistance) }
        labels.pixels.withUnsafeMutableBufferPointer { lb in
            let lab = lb.baseAddress!
            lab.update(repeating: 0, count: n)
            paintKept(lab) { UInt32(kept.component[$0]) + 1 }
            hasMarker.removeAll(keepingCapacity: true)
            hasMarker.append(contentsOf: repeatElement(false, count: kept.componentCount))
            markers.removeAll(keepingCapacity: true)
            // With no background at all the distance is infinite everywhere: one marker.
            let allForeground = kept.count == h && kept.start.allSatisfy { $0 == 0 } && kept.end.allSatisfy { Int($0) == w }
            markerComp.removeAll(keepingCapacity: true)
            if !allForeground {
                for m in finder.peaks {
                    let c = Int32(lab[Int(m)]) - 1
                    markers.append(m); markerComp.append(c); hasMarker[Int(c)] = true
                }
            }
            if hasMarker.contains(false) {
                var best = [Int32](repeating: -1, count: kept.componentCount)
                bufA.withUnsafeBufferPointer { s in
                    for r in 0..<kept.count {
                        let c = Int(kept.component[r]); if hasMarker[c] { continue }
                        let base = rowOf(run: r) * w
                        for x in Int(kept.start[r])..<Int(kept.end[r]) where best[c] < 0 || s[base + x] > s[Int(best[c])] {
                            best[c] = Int32(base + x)
                        }
                    }
                }
                for c in 0..<kept.componentCount where !hasMarker[c] { markers.append(best[c]); markerComp.append(Int32(c)) }
            }
            paintKept(lab) { _ in Watershed.unreached }
            for (i, m) in markers.enumerated() { lab[Int(m)] = UInt32(i + 1) }
        }
        prof.markers = clock.lap()

        // 5. Watershed, one foreground component at a time (markers grouped by component,
        // a stable counting sort).
        groupStart.removeAll(keepingCapacity: true)
        groupStart.append(contentsOf: repeatElement(0, count: kept.componentCount + 1))
        for c in markerComp { groupStart[Int(c) + 1] += 1 }
        for c in 0..<kept.componentCount { groupStart[c + 1] += groupStart[c] }
        markerOrder.removeAll(keepingCapacity: true)
        markerOrder.append(contentsOf: repeatElement(0, count: markers.count))
        do {
            var fill = Array(groupStart.dropLast())
            for (i, c) in markerComp.enumerated() { markerOrder[Int(fill[Int(c)])] = Int32(i); fill[Int(c)] += 1 }
        }
        var maxV: Float = 0
        for m in markers { maxV = max(maxV, bufA[Int(m)]) }
        bufA.withUnsafeBufferPointer { s in
            labels.pixels.withUnsafeMutableBufferPointer { lb in
                watershed.flood(surface: s.baseAddress!, labels: lb.baseAddress!, width: w, height: h,
                                markers: markers, groupStart: groupStart, order: markerOrder, boxes: compBox,
                                maxValue: maxV)
            }
        }
        // Merge regions split across a shallow saddle.
        do {
            let peaks = markers.map { bufA[Int($0)] }
            bufA.withUnsafeBufferPointer { sb in
                labels.pixels.withUnsafeBufferPointer { lb in
                    merger.merge(labels: lb.baseAddress!, surface: sb.baseAddress!, width: w, height: h, rows: kept,
                                 peaks: peaks, ratio: Float(p.mergeRatio), depth: Float(p.mergeDepth), remap: &remap)
                }
            }
        }
        labels.pixels.withUnsafeMutableBufferPointer { lb in
            kept.relabel(lb.baseAddress!, through: remap, unreached: Watershed.unreached)
        }
        prof.watershed = clock.lap()

        // 6. Cut necks the distance map had no marker for (``ConcavitySplitter``): once before
        // the per-object trim, so a dim nucleus pressed into a bright one is trimmed against
        // its own brightness, and once after it (step 8), when trimmed outlines show sharper necks.
        var objectCount = markers.count
        let splitting = p.splitDepth > 0
        if splitting {
            splitter.minDepth = Float(p.splitDepth)
            splitter.minPart = p.splitMinArea
            labels.pixels.withUnsafeMutableBufferPointer { lb in
                objectCount = splitter.split(labels: lb.baseAddress!, width: w, height: h, rows: kept, objectCount: objectCount)
            }
        }
        prof.split = clock.lap()

        // 7. Cleanup: trim, drop small/large/border objects, relabel 1…N in raster order.
        prof.objects = labels.pixels.withUnsafeMutableBufferPointer { lb in
            cleanup(lb.baseAddress!, objectCount: objectCount, p: p)
        }
        prof.cleanup = clock.lap()

        // 8. Necks again, on the trimmed objects; new objects are renumbered into raster order.
        if splitting {
            prof.objects = labels.pixels.withUnsafeMutableBufferPointer { lb in
                let m = splitter.split(labels: lb.baseAddress!, width: w, height: h, rows: kept, objectCount: prof.objects)
                if m != prof.objects { kept.renumber(lb.baseAddress!, objectCount: m, ids: &newID) }
                return m
            }
            prof.split += clock.lap()
        }

        // The distance map is written only on the foreground and its blur only near it: clear
        // them there for the next field.
        if let db = distBlur { bufA.withUnsafeMutableBufferPointer { db.clearWritten($0.baseAddress!) } }
        else { bufA.withUnsafeMutableBufferPointer { $0.baseAddress!.update(repeating: 0, count: n) } }
        bufB.withUnsafeMutableBufferPointer { bb in
            let b = bb.baseAddress!
            for y in 0..<h {
                for r in Int(kept.rowStart[y])..<Int(kept.rowStart[y + 1]) {
                    (b + y * w + Int(kept.start[r])).update(repeating: 0, count: Int(kept.end[r] - kept.start[r]))
                }
            }
        }
        prof.cleanup += clock.lap()
        lastProfile = prof
    }

    /// Row of kept run `r` (runs are stored row by row; binary search over row starts).
    @inline(__always) private func rowOf(run r: Int) -> Int {
        var lo = 0, hi = kept.height - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if Int(kept.rowStart[mid]) <= r { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Writes `value(run)` over every pixel of every kept run. O(fg pixels).
    private func paintKept(_ lab: UnsafeMutablePointer<UInt32>, _ value: (Int) -> UInt32) {
        let w = kept.width
        for y in 0..<kept.height {
            for r in Int(kept.rowStart[y])..<Int(kept.rowStart[y + 1]) {
                (lab + y * w + Int(kept.start[r])).update(repeating: value(r), count: Int(kept.end[r] - kept.start[r]))
            }
        }
    }

    /// Trims dim pixels per object (``SegmentationParameters/refineFraction``),
    /// filters objects by size and border contact, and renumbers them 1…N by first pixel
    /// in raster order. `lab` holds merged labels (0 where the flood never reached). A few
    /// passes over the foreground runs: O(fg pixels + objects).
    private func cleanup(_ lab: UnsafeMutablePointer<UInt32>, objectCount m: Int, p: SegmentationParameters) -> Int {
        let w = kept.width, h = kept.height
        func reset<T>(_ a: inout [T], _ v: T) { a.removeAll(keepingCapacity: true); a.append(contentsOf: repeatElement(v, count: m + 1)) }
        reset(&objArea, 0); reset(&objDrop, false); reset(&newID, 0); reset(&objCut, 0); reset(&objSum, 0)
        let refine = p.refineFraction > 0
        smooth.withUnsafeBufferPointer { sb in
        objCut.withUnsafeMutableBufferPointer { cut in
        objSum.withUnsafeMutableBufferPointer { sum in
        objArea.withUnsafeMutableBufferPointer { area in
        objDrop.withUnsafeMutableBufferPointer { drop in
            let s = sb.baseAddress!
            // Pass 1: object means (sum in `sum`, count in `area`).
            for y in 0..<h {
                for r in Int(kept.rowStart[y])..<Int(kept.rowStart[y + 1]) {
                    for i in (y * w + Int(kept.start[r]))..<(y * w + Int(kept.end[r])) {
                        let o = Int(lab[i])
                        sum[o] += Double(s[i]); area[o] += 1
                    }
                }
            }
            // Pass 2: per-object cut level from the mean; trimmed pixels are flagged.
            let f = p.refineFraction, bg = Double(background)
            for o in 1..<(m + 1) {
                cut[o] = area[o] > 0 ? Float(bg + f * (sum[o] / Double(area[o]) - bg)) : 0
                area[o] = 0
            }
            area[0] = 0
            let trim: UInt32 = 1 << 31
            if refine {
                trimDim(lab, smooth: s, cut: UnsafeBufferPointer(cut), trim: trim, restoreHoles: p.fillHoles,
                        area: area.baseAddress!)
            }
            // Pass 3 (areas already counted by the trim; still-flagged pixels become background
            // in pass 4): border contact only.
            if refine && p.clearBorder {
                for y in 0..<h {
                    for r in Int(kept.rowStart[y])..<Int(kept.rowStart[y + 1]) {
                        let x0 = Int(kept.start[r]), x1 = Int(kept.end[r])
                        @inline(__always) func touch(_ i: Int) { let o = lab[i]; if o & trim == 0 { drop[Int(o)] = true } }
                        if y == 0 || y == h - 1 { for i in (y * w + x0)..<(y * w + x1) { touch(i) } }
                        if x0 == 0 { touch(y * w) }
                        if x1 == w { touch(y * w + w - 1) }
                    }
                }
            }
            // Pass 3 without the trim: areas and border contact.
            if !refine { for y in 0..<h {
                for r in Int(kept.rowStart[y])..<Int(kept.rowStart[y + 1]) {
                    let x0 = Int(kept.start[r]), x1 = Int(kept.end[r])
                    for i in (y * w + x0)..<(y * w + x1) {
                        let o = lab[i]
                        if o == 0 { continue }
                        if o & trim != 0 { lab[i] = 0; continue }
                        area[Int(o)] += 1
                    }
                    if p.clearBorder {
                        if y == 0 || y == h - 1 { for i in (y * w + x0)..<(y * w + x1) { drop[Int(lab[i])] = true } }
                        if x0 == 0 { drop[Int(lab[y * w])] = true }
                        if x1 == w { drop[Int(lab[y * w + w - 1])] = true }
                    }
                }
            }
            }
            for o in 1..<(m + 1) where area[o] < p.minArea || (p.maxArea.map { area[o] > $0 } ?? false) { drop[o] = true }
            drop[0] = true
        }}}}}
        // Pass 4: renumber in raster order.
        var next: UInt32 = 0
        objDrop.withUnsafeBufferPointer { drop in
        newID.withUnsafeMutableBufferPointer { ids in
            for y in 0..<h {
                for r in Int(kept.rowStart[y])..<Int(kept.rowStart[y + 1]) {
                    for i in (y * w + Int(kept.start[r]))..<(y * w + Int(kept.end[r])) {
                        let o = Int(lab[i])
                        if o & (1 << 31) != 0 || drop[o] { lab[i] = 0; continue }   // trimmed (flag bit 31) or dropped
                        if ids[o] == 0 { next += 1; ids[o] = next }
                        lab[i] = ids[o]
                    }
                }
            }
        }}
        return Int(next)
    }

    /// Flags (`trim`) every labelled pixel dimmer than its object's `cut`, collecting the
    /// unflagged foreground as runs; with `restoreHoles`, flagged pixels in holes of that
    /// foreground (4-connected background not reaching the border — dark nucleoli) are
    /// unflagged again. O(fg pixels + runs).
    private func trimDim(_ lab: UnsafeMutablePointer<UInt32>, smooth s: UnsafePointer<Float>,
                         cut: UnsafeBufferPointer<Float>, trim: UInt32, restoreHoles: Bool,
                         area: UnsafeMutablePointer<Int>) {
        let w = kept.width, h = kept.height
        refined.reset(width: w, height: h)
        var lastO = 0, pending = 0
        defer { area[lastO] += pending }
        for y in 0..<h {
            refined.rowStart.append(Int32(refined.start.count))
            for r in Int(kept.rowStart[y])..<Int(kept.rowStart[y + 1]) {
                var open = -1
                let e = Int(kept.end[r])
                for x in Int(kept.start[r])..<e {
                    let i = y * w + x, o = lab[i]
                    var keep = o != 0
                    if keep && s[i] < cut[Int(o)] { lab[i] = o | trim; keep = false }
                    // Areas: consecutive pixels of one object add up in a register.
                    if keep { if Int(o) == lastO { pending += 1 } else { area[lastO] += pending; lastO = Int(o); pending = 1 } }
                    if keep { if open < 0 { open = x } } else if open >= 0 {
                        refined.start.append(Int32(open)); refined.end.append(Int32(x)); open = -1
                    }
                }
                if open >= 0 { refined.start.append(Int32(open)); refined.end.append(Int32(e)) }
            }
        }
        refined.rowStart.append(Int32(refined.start.count))
        if !restoreHoles { return }
        fillHoles(refined, into: &refilled, background: &bgRuns, flags: &flags)
        for y in 0..<h {
            for r in Int(refilled.rowStart[y])..<Int(refilled.rowStart[y + 1]) {
                for i in (y * w + Int(refilled.start[r]))..<(y * w + Int(refilled.end[r])) {
                    let v = lab[i]
                    if v & trim != 0 { lab[i] = v & ~trim; area[Int(v & ~trim)] += 1 }
                }
            }
        }
    }
}
