#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CellarImage

extension Measurer {
    /// Measures object `o` (index into `objects`) into `row` and appends its mask.
    /// O(object pixels × (1 + channels) + box words + hull vertices²).
    func measureObject(_ o: Int, labels: Image<UInt32>, channels: [Channel],
                       row: UnsafeMutablePointer<Double>, masks: inout MaskTable) {
        let label = objects[o]
        let st = stats[Int(label)]
        let bx = Int(st.minX), by = Int(st.minY)
        let bw = Int(st.maxX) - bx + 1, bh = Int(st.maxY) - by + 1
        let r0 = Int(st.runStart), r1 = r0 + Int(st.runCount)
        let n = Int(st.area)

        // Per-row extremes, moments, bitmap and mask runs, all from the runs.
        if rowMin.count < bh {
            rowMin = [Int32](repeating: .max, count: bh * 2)
            rowMax = [Int32](repeating: -1, count: bh * 2)
        }
        for r in 0..<bh { rowMin[r] = .max; rowMax[r] = -1 }
        bitmap.reset(width: bw, height: bh)
        var sx: Int64 = 0, sy: Int64 = 0, sxx: Int64 = 0, syy: Int64 = 0, sxy: Int64 = 0
        grouped.withUnsafeBufferPointer { g in
            for i in r0..<r1 {
                let run = g[i]
                let r = Int(run.y) - by
                let a = Int64(run.x0) - Int64(bx), b = Int64(run.x1) - Int64(bx)
                let len = b - a + 1
                let y = Int64(r)
                let s1 = (a + b) * len / 2
                let s2 = (b * (b + 1) * (2 * b + 1) - (a - 1) * a * (2 * a - 1)) / 6
                sx += s1; sxx += s2
                sy += y * len; syy += y * y * len; sxy += y * s1
                if rowMin[r] == .max { rowMin[r] = Int32(a) }
                rowMax[r] = Int32(b)
                bitmap.setRun(row: r, from: Int(a), to: Int(b))
            }
            masks.appendRuns(objectNumber: label, x: bx, y: by, width: bw, height: bh) { emit in
                for i in r0..<r1 {
                    let run = g[i]
                    emit((Int(run.y) - by) * bw + Int(run.x0) - bx, Int(run.x1 - run.x0) + 1)
                }
            }
        }

        let dn = Double(n)
        // Mean column/row as numpy computes it: exact integer sum, one division.
        let cx = Double(Int64(bx) * Int64(n) + sx) / dn, cy = Double(Int64(by) * Int64(n) + sy) / dn
        // n² × (co)variances, from exact integer sums.
        let nxx = dn * Double(sxx) - Double(sx) * Double(sx)
        let nyy = dn * Double(syy) - Double(sy) * Double(sy)
        let nxy = dn * Double(sxy) - Double(sx) * Double(sy)
        let n2 = dn * dn
        let varX = nxx / n2, varY = nyy / n2, cov = nxy / n2
        let half = (varX - varY) / 2
        let l1 = Swift.max(0, (varX + varY) / 2 + (half * half + cov * cov).squareRoot())
        let l2 = l1 > 0 ? Swift.max(0, (varX * varY - cov * cov) / l1) : 0
        let orientation: Double
        if nxx == nyy {
            orientation = cov > 0 ? Double.pi / 4 : -Double.pi / 4
        } else {
            orientation = 0.5 * atan2(2 * nxy, nyy - nxx)
        }

        let perimeter = bitmap.perimeter()
        let euler = bitmap.eulerNumber()

        // Hulls.
        var convexArea = 0
        var feret = (min: 0.0, max: 0.0)
        rowMin.withUnsafeBufferPointer { mn in
            rowMax.withUnsafeBufferPointer { mx in
                hull.loadCentres(rowMin: mn, rowMax: mx, height: bh)
                hull.buildHull()
                feret = hull.feret()
                hull.loadMidpoints(rowMin: mn, rowMax: mx, height: bh)
                hull.buildHull()
                convexArea = hull.rasterArea(height: bh)
            }
        }

        let pi = Double.pi
        var shape = ShapeValues()
        shape.area = dn
        shape.perimeter = perimeter
        shape.formFactor = perimeter > 0 ? 4 * pi * dn / (perimeter * perimeter) : .nan
        shape.solidity = dn / Double(convexArea)
        shape.convexArea = Double(convexArea)
        shape.extent = dn / Double(bw * bh)
        shape.eulerNumber = Double(euler)
        shape.equivalentDiameter = (4 * dn / pi).squareRoot()
        shape.majorAxisLength = 4 * l1.squareRoot()
        shape.minorAxisLength = 4 * l2.squareRoot()
        shape.eccentricity = l1 == 0 ? 0 : (1 - l2 / l1).squareRoot()
        shape.orientation = orientation * (180 / pi)
        shape.compactness = perimeter * perimeter / Swift.max(4 * pi * dn, 1)
        shape.minFeretDiameter = feret.min
        shape.maxFeretDiameter = feret.max
        shape.boundingBoxArea = Double(bw * bh)
        shape.boundingBoxMinimumX = Double(bx)
        shape.boundingBoxMinimumY = Double(by)
        shape.boundingBoxMaximumX = Double(bx + bw)
        shape.boundingBoxMaximumY = Double(by + bh)
        shape.centerX = cx
        shape.centerY = cy
        row[FeatureSet.objectNumberColumn] = Double(label)
        row[FeatureSet.locationCenterXColumn] = cx
        row[FeatureSet.locationCenterXColumn + 1] = cy
        shape.store(into: row + FeatureSet.column(ShapeFeature.allCases[0]))

        // Edge pixels for the intensity measurements.
        let inEdge = bitmap.computeEdges(touchLeft: bx == 0, touchRight: bx + bw == labels.width,
                                         touchTop: by == 0, touchBottom: by + bh == labels.height)
        for (ci, ch) in channels.enumerated() {
            let out = row + FeatureSet.fixedColumnCount + ci * FeatureSet.columnsPerChannel
            switch ch.image {
            case .uint8(let img):
                measureChannel(img, scale: ch.fullScale, runs: r0..<r1, n: n, box: (bx, by),
                               centre: (cx, cy), edgeInEdge: inEdge, out: out)
            case .uint16(let img):
                measureChannel(img, scale: ch.fullScale, runs: r0..<r1, n: n, box: (bx, by),
                               centre: (cx, cy), edgeInEdge: inEdge, out: out)
            case .float32(let img):
                measureChannel(img, scale: ch.fullScale, runs: r0..<r1, n: n, box: (bx, by),
                               centre: (cx, cy), edgeInEdge: inEdge, out: out)
            }
        }
    }

    /// Intensity features of one object in one channel, written by name into the channel's
    /// block at `out` (``IntensityFeature`` order, then CenterMassIntensity X, Y: see
    /// ``IntensityValues/store(into:)``). O(n × sorted bytes).
    func measureChannel<P: PixelValue & SortKeyPixel>(
        _ img: Image<P>, scale: Double, runs: Range<Int>, n: Int, box: (x: Int, y: Int),
        centre: (x: Double, y: Double), edgeInEdge: Bool, out: UnsafeMutablePointer<Double>
    ) {
        intensity.ensure(n)
        let w = img.width
        var acc = ChannelSums()
        img.pixels.withUnsafeBufferPointer { px in
            intensity.keys.withUnsafeMutableBufferPointer { keys in
                grouped.withUnsafeBufferPointer { g in
                    var k = 0
                    var orK: UInt32 = 0, andK: UInt32 = .max
                    for i in runs {
                        let run = g[i]
                        let base = Int(run.y) * w
                        let x0 = Int(run.x0), x1 = Int(run.x1)
                        if P.isInteger {
                            // Exact integer sums (vectorisable); Σ v·x < 2^63 for any real image.
                            var rs: UInt64 = 0, rsx: UInt64 = 0
                            for x in x0...x1 {
                                let key = px[base + x].sortKey
                                keys[k + x - x0] = key
                                orK |= key; andK &= key
                                rs &+= UInt64(key)
                                rsx &+= UInt64(key) &* UInt64(x)
                            }
                            acc.sum += Double(rs)
                            acc.sumX += Double(rsx)
                            acc.sumY += Double(rs) * Double(run.y)
                        } else {
                            var rs = 0.0, rsx = 0.0
                            for x in x0...x1 {
                                let v = px[base + x]
                                let key = v.sortKey
                                keys[k + x - x0] = key
                                orK |= key; andK &= key
                                let d = v.rawDouble
                                rs += d
                                rsx += d * Double(x)
                            }
                            acc.sum += rs
                            acc.sumX += rsx
                            acc.sumY += rs * Double(run.y)
                        }
                        k += x1 - x0 + 1
                    }
                    acc.orKeys = orK; acc.andKeys = andK
                }
            }
        }
        intensity.sort(n, varying: acc.orKeys ^ acc.andKeys)

        // Edge pixels.
        var edgeSum = 0.0, edgeCount = 0
        let bs = bitmap.stride, bh = bitmap.height
        img.pixels.withUnsafeBufferPointer { px in
            (edgeInEdge ? bitmap.edge : bitmap.border).withUnsafeBufferPointer { e in
                for r in 1...bh {
                    let rowBase = (box.y + r - 1) * w + box.x - 1
                    for i in 0..<bs {
                        var word = e[r * bs + i]
                        while word != 0 {
                            let kbit = i << 6 + word.trailingZeroBitCount
                            word &= word - 1
                            edgeSum += px[rowBase + kbit].rawDouble
                            edgeCount += 1
                        }
                    }
                }
            }
        }

        let dn = Double(n)
        let mean = acc.sum / dn
        var ss = 0.0
        var q = (lower: 0.0, median: 0.0, upper: 0.0, mad: 0.0, min: 0.0, max: 0.0)
        intensity.keys.withUnsafeBufferPointer { keys in
            @inline(__always) func v(_ i: Int) -> Double { P.value(ofKey: keys[i]) }
            for i in 0..<n { let d = v(i) - mean; ss += d * d }
            q.min = v(0); q.max = v(n - 1)
            q.lower = cellProfilerQuantile(n, 0.25, v)
            q.median = cellProfilerQuantile(n, 0.5, v)
            q.upper = cellProfilerQuantile(n, 0.75, v)
            // MAD: the f = ½ quantile of |v − median|. Deviations of the values below the median
            // (indices lo-1 down to 0) and of those at or above it (indices hi…n-1) are two
            // ascending sequences; pick ranks from their union by binary search.
            let med = q.median
            var a = 0, b = n
            while a < b { let mid = (a + b) / 2; if v(mid) < med { a = mid + 1 } else { b = mid } }
            let hi = a
            let below = { (i: Int) -> Double in med - v(hi - 1 - i) }
            let above = { (i: Int) -> Double in v(hi + i) - med }
            let pos = dn * 0.5
            let qi = Int(pos.rounded(.down)), t = pos - Double(qi)
            let d0 = kthOfTwoSorted(qi, hi, below, n - hi, above)
            q.mad = qi < n - 1 ? d0 * (1 - t) + kthOfTwoSorted(qi + 1, hi, below, n - hi, above) * t : d0
        }

        // Divide (not multiply by 1/scale) so integer sums scale exactly as numpy's raw / scale.
        var v = IntensityValues()
        v.integratedIntensity = acc.sum / scale
        v.meanIntensity = mean / scale
        v.stdIntensity = (ss / dn).squareRoot() / scale
        v.minIntensity = q.min / scale
        v.maxIntensity = q.max / scale
        v.medianIntensity = q.median / scale
        v.lowerQuartileIntensity = q.lower / scale
        v.upperQuartileIntensity = q.upper / scale
        v.madIntensity = q.mad / scale
        v.integratedIntensityEdge = edgeSum / scale
        v.meanIntensityEdge = edgeCount > 0 ? edgeSum / Double(edgeCount) / scale : .nan
        if acc.sum != 0 {
            let mx = acc.sumX / acc.sum, my = acc.sumY / acc.sum
            let dx = centre.x - mx, dy = centre.y - my
            v.massDisplacement = (dx * dx + dy * dy).squareRoot()
            v.centerMassX = mx
            v.centerMassY = my
        }
        v.store(into: out)
    }

    /// Relabels to 1..N in increasing label order; returns the image and the original numbers.
    static func compactLabels(_ labels: Image<UInt32>) -> (Image<UInt32>, [UInt32]) {
        let unique = Array(Set(labels.pixels)).filter { $0 != 0 }.sorted()
        var map = [UInt32: UInt32](minimumCapacity: unique.count)
        for (i, l) in unique.enumerated() { map[l] = UInt32(i + 1) }
        return (labels.map { $0 == 0 ? 0 : map[$0]! }, unique)
    }

    /// Puts original label numbers back into a result measured on compacted labels.
    static func restoreNumbers(_ m: FieldMeasurements, original: [UInt32]) -> FieldMeasurements {
        var values = m.table.values
        let cc = m.table.columnCount
        for r in 0..<m.table.rowCount {
            values[r * cc] = Double(original[Int(values[r * cc]) - 1])
        }
        var masks = MaskTable()
        for mask in m.masks {
            var c = mask
            c.objectNumber = original[Int(mask.objectNumber) - 1]
            masks.append(c)
        }
        return FieldMeasurements(table: CellTable(featureSet: m.table.featureSet, rowCount: m.table.rowCount, values: values),
                                 masks: masks)
    }
}
