import CellarBench
import Testing
import CellarImage
import CellarMeasure

@Suite("Measurer and FeatureSet")
struct MeasurerTests {
    @Test func columnNamesFollowCellProfiler() {
        let names = FeatureSet(channels: ["DNA"]).columnNames
        #expect(names.count == 39)
        #expect(Array(names.prefix(4)) == ["Nuclei_Number_Object_Number", "Nuclei_Location_Center_X",
                                            "Nuclei_Location_Center_Y", "Nuclei_AreaShape_Area"])
        for n in ["Nuclei_AreaShape_Perimeter", "Nuclei_AreaShape_FormFactor", "Nuclei_AreaShape_Solidity",
                  "Nuclei_AreaShape_ConvexArea", "Nuclei_AreaShape_Extent", "Nuclei_AreaShape_EulerNumber",
                  "Nuclei_AreaShape_EquivalentDiameter", "Nuclei_AreaShape_MajorAxisLength",
                  "Nuclei_AreaShape_MinorAxisLength", "Nuclei_AreaShape_Eccentricity", "Nuclei_AreaShape_Orientation",
                  "Nuclei_AreaShape_Compactness", "Nuclei_AreaShape_MinFeretDiameter", "Nuclei_AreaShape_MaxFeretDiameter",
                  "Nuclei_AreaShape_BoundingBoxArea", "Nuclei_AreaShape_BoundingBoxMinimum_X",
                  "Nuclei_AreaShape_BoundingBoxMinimum_Y", "Nuclei_AreaShape_BoundingBoxMaximum_X",
                  "Nuclei_AreaShape_BoundingBoxMaximum_Y", "Nuclei_AreaShape_Center_X", "Nuclei_AreaShape_Center_Y",
                  "Nuclei_Intensity_IntegratedIntensity_DNA", "Nuclei_Intensity_MeanIntensity_DNA",
                  "Nuclei_Intensity_StdIntensity_DNA", "Nuclei_Intensity_MinIntensity_DNA",
                  "Nuclei_Intensity_MaxIntensity_DNA", "Nuclei_Intensity_MedianIntensity_DNA",
                  "Nuclei_Intensity_LowerQuartileIntensity_DNA", "Nuclei_Intensity_UpperQuartileIntensity_DNA",
                  "Nuclei_Intensity_MADIntensity_DNA", "Nuclei_Intensity_IntegratedIntensityEdge_DNA",
                  "Nuclei_Intensity_MeanIntensityEdge_DNA", "Nuclei_Intensity_MassDisplacement_DNA",
                  "Nuclei_Location_CenterMassIntensity_X_DNA", "Nuclei_Location_CenterMassIntensity_Y_DNA"] {
            #expect(names.contains(n), "\(n)")
        }
        #expect(Set(names).count == names.count)
        let two = FeatureSet(objectName: "Cells", channels: ["DNA", "Actin"])
        #expect(two.columnCount == 25 + 28)
        #expect(two.columnNames[FeatureSet.column(.meanIntensity, channel: 1)] == "Cells_Intensity_MeanIntensity_Actin")
        #expect(two.columnNames[FeatureSet.centerMassColumn(channel: 1, y: true)] == "Cells_Location_CenterMassIntensity_Y_Actin")
        #expect(two.columnNames[FeatureSet.column(.area)] == "Cells_AreaShape_Area")
    }

    @Test func undefinedValuesAreNil() throws {
        // Object 1: one pixel (perimeter 0 → FormFactor undefined); object 2: zero intensity.
        var labels = Image<UInt32>(width: 8, height: 8)
        labels[2, 2] = 1
        for y in 4..<7 { for x in 4..<7 { labels[x, y] = 2 } }
        var dna = Image<UInt16>(width: 8, height: 8, fill: 1000)
        for y in 4..<7 { for x in 4..<7 { dna[x, y] = 0 } }
        let m = try Measurer().measure(labels: labels, channels: [Channel(name: "DNA", image: .uint16(dna))])
        let t = m.table
        #expect(t.rowCount == 2)
        #expect(t[0, FeatureSet.column(.formFactor)] == nil)
        #expect(t[0, FeatureSet.column(.perimeter)] == 0)
        #expect(t[0, FeatureSet.column(.eccentricity)] == 0)
        #expect(t[0, FeatureSet.column(.orientation)] == -45)
        #expect(t[0, FeatureSet.column(.meanIntensity, channel: 0)] == 1000.0 / 65535)
        #expect(t[1, FeatureSet.column(.integratedIntensity, channel: 0)] == 0)
        #expect(t[1, FeatureSet.centerMassColumn(channel: 0, y: false)] == nil)
        #expect(t[1, FeatureSet.column(.massDisplacement, channel: 0)] == nil)
        #expect(t.column(named: "Nuclei_AreaShape_Area")! == [1, 9])
    }

    @Test func emptyAndNonConsecutiveAndHugeLabels() throws {
        let empty = try Measurer().measure(labels: Image<UInt32>(width: 5, height: 4), channels: [])
        #expect(empty.table.rowCount == 0 && empty.masks.count == 0)

        var labels = Image<UInt32>(width: 10, height: 10)
        labels[1, 1] = 7
        labels[5, 5] = 3_000_000_000   // far above the direct label table: compacted internally
        labels[6, 5] = 3_000_000_000
        labels[8, 8] = 12
        let m = try Measurer().measure(labels: labels, channels: [])
        #expect(m.table.objectNumbers == [7, 12, 3_000_000_000])
        #expect(m.masks.map(\.objectNumber) == [7, 12, 3_000_000_000])
        #expect(m.table[2, FeatureSet.column(.area)] == 2)
        #expect(try LabelImage.rebuild(width: 10, height: 10, masks: m.masks) == labels)
    }

    @Test func measurerReuseGivesIdenticalResults() throws {
        let a = SyntheticCells.field(width: 200, height: 150, cells: 30, radius: 9, seed: 1)
        let b = SyntheticCells.field(width: 400, height: 90, cells: 40, radius: 30, seed: 2)
        let ca = [Channel(name: "DNA", image: .uint16(a.dna))]
        let cb = [Channel(name: "DNA", image: .uint16(b.dna))]
        let shared = Measurer()
        let a1 = try shared.measure(labels: a.labels, channels: ca)
        _ = try shared.measure(labels: b.labels, channels: cb)
        let a2 = try shared.measure(labels: a.labels, channels: ca)
        let fresh = try Measurer().measure(labels: a.labels, channels: ca)
        #expect(a1.table.values.elementsEqual(a2.table.values) { $0 == $1 || ($0.isNaN && $1.isNaN) })
        #expect(a1.table.values.elementsEqual(fresh.table.values) { $0 == $1 || ($0.isNaN && $1.isNaN) })
        #expect(Array(a1.masks.rleBytes) == Array(a2.masks.rleBytes))
    }

    @Test func floatChannelMatchesIntegerChannel() throws {
        let f = SyntheticCells.field(width: 128, height: 128, cells: 12, radius: 10, seed: 4)
        let asFloat = f.dna.map { Float($0) }
        let m = try Measurer().measure(labels: f.labels, channels: [Channel(name: "A", image: .uint16(f.dna)),
                                                                Channel(name: "B", image: asFloat, fullScale: 65535)])
        for r in 0..<m.table.rowCount {
            for feat in IntensityFeature.allCases {
                let a = m.table[r, FeatureSet.column(feat, channel: 0)]!, b = m.table[r, FeatureSet.column(feat, channel: 1)]!
                #expect(abs(a - b) <= 1e-12 * max(1, abs(a)), "\(feat)")
            }
        }
    }

    @Test func channelSizeMismatchThrows() {
        let labels = Image<UInt32>(width: 4, height: 4, fill: 1)
        let small = Image<UInt16>(width: 4, height: 3)
        #expect(throws: Measurer.MeasureError.sizeMismatch(channel: "DNA", width: 4, height: 3, labelsWidth: 4, labelsHeight: 4)) {
            try Measurer().measure(labels: labels, channels: [Channel(name: "DNA", image: .uint16(small))])
        }
    }

    /// Negative, positive and tied float values sort correctly (quantiles by CellProfiler's rule).
    @Test func floatQuantilesWithNegativeValues() throws {
        var rng = SyntheticCells.RNG(seed: 8)
        let w = 30, h = 20
        let labels = Image<UInt32>(width: w, height: h, fill: 1)
        let img = Image<Float>(width: w, height: h, pixels: (0..<(w * h)).map { _ in
            Float(Int(rng.next() % 2001) - 1000) / 7 })
        let m = try Measurer().measure(labels: labels, channels: [Channel(name: "F", image: img)])
        let v = img.pixels.map(Double.init).sorted()
        func q(_ f: Double) -> Double {
            let p = Double(v.count) * f, i = Int(p), t = p - Double(i)
            return i < v.count - 1 ? v[i] * (1 - t) + v[i + 1] * t : v[i]
        }
        let med = q(0.5)
        let dev = v.map { abs($0 - med) }.sorted()
        let p = Double(dev.count) * 0.5, i = Int(p), t = p - Double(i)
        let mad = i < dev.count - 1 ? dev[i] * (1 - t) + dev[i + 1] * t : dev[i]
        let t0 = m.table
        #expect(t0[0, FeatureSet.column(.minIntensity, channel: 0)] == v.first)
        #expect(t0[0, FeatureSet.column(.maxIntensity, channel: 0)] == v.last)
        #expect(t0[0, FeatureSet.column(.lowerQuartileIntensity, channel: 0)] == q(0.25))
        #expect(t0[0, FeatureSet.column(.medianIntensity, channel: 0)] == med)
        #expect(t0[0, FeatureSet.column(.upperQuartileIntensity, channel: 0)] == q(0.75))
        #expect(t0[0, FeatureSet.column(.madIntensity, channel: 0)] == mad)
        // The whole image is one object: no edge pixels (beyond the border a pixel neighbours itself).
        #expect(t0[0, FeatureSet.column(.meanIntensityEdge, channel: 0)] == nil)
        #expect(t0[0, FeatureSet.column(.integratedIntensityEdge, channel: 0)] == 0)
    }
}
