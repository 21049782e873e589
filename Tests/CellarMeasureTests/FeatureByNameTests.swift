import CellarImage
import Foundation
import Testing
@testable import CellarMeasure

/// Every feature's value is found under its own name: a 6 × 3 rectangle whose features all
/// differ, checked by column name against values worked out by hand. A value written to
/// another feature's column fails here.
@Suite struct FeatureByNameTests {
    @Test func everyFeatureLandsInItsOwnColumn() throws {
        var labels = Image<UInt32>(width: 40, height: 40)
        var pixels = [UInt8](repeating: 3, count: 40 * 40)
        for y in 20..<23 { for x in 10..<16 { labels[x, y] = 7; pixels[y * 40 + x] = UInt8(100 + x) } }
        let m = try Measurer().measure(labels: labels, channels: [Channel(name: "DNA", image: .uint8(Image(width: 40, height: 40, pixels: pixels)))])
        let t = m.table
        #expect(t.rowCount == 1)
        func v(_ name: String) -> Double {
            guard let c = t.featureSet.index(of: "Nuclei_" + name) else { Issue.record("no column \(name)"); return .nan }
            return t.values[c]
        }
        func near(_ a: Double, _ b: Double, _ what: String) { #expect(abs(a - b) < 1e-9, "\(what): \(a) ≠ \(b)") }
        near(v("Number_Object_Number"), 7, "object number")
        for prefix in ["Location_Center", "AreaShape_Center"] {
            near(v(prefix + "_X"), 12.5, prefix + "_X"); near(v(prefix + "_Y"), 21, prefix + "_Y")
        }
        near(v("AreaShape_Area"), 18, "Area")
        near(v("AreaShape_ConvexArea"), 18, "ConvexArea")
        near(v("AreaShape_Solidity"), 1, "Solidity")
        near(v("AreaShape_Extent"), 1, "Extent")
        near(v("AreaShape_EulerNumber"), 1, "EulerNumber")
        near(v("AreaShape_BoundingBoxArea"), 18, "BoundingBoxArea")
        near(v("AreaShape_BoundingBoxMinimum_X"), 10, "min x"); near(v("AreaShape_BoundingBoxMinimum_Y"), 20, "min y")
        near(v("AreaShape_BoundingBoxMaximum_X"), 16, "max x"); near(v("AreaShape_BoundingBoxMaximum_Y"), 23, "max y")
        near(v("AreaShape_EquivalentDiameter"), (4 * 18 / Double.pi).squareRoot(), "EquivalentDiameter")
        let varX = 35.0 / 12, varY = 8.0 / 12   // population variances of 6 and 3 consecutive integers
        near(v("AreaShape_MajorAxisLength"), 4 * varX.squareRoot(), "MajorAxisLength")
        near(v("AreaShape_MinorAxisLength"), 4 * varY.squareRoot(), "MinorAxisLength")
        near(v("AreaShape_Eccentricity"), (1 - varY / varX).squareRoot(), "Eccentricity")
        near(abs(v("AreaShape_Orientation")), 90, "Orientation")
        near(v("AreaShape_MinFeretDiameter"), 2, "MinFeretDiameter")
        near(v("AreaShape_MaxFeretDiameter"), (25.0 + 4).squareRoot(), "MaxFeretDiameter")
        let p = v("AreaShape_Perimeter")
        #expect(p > 12 && p < 18, "Perimeter \(p)")
        near(v("AreaShape_FormFactor"), 4 * Double.pi * 18 / (p * p), "FormFactor")
        near(v("AreaShape_Compactness"), p * p / (4 * Double.pi * 18), "Compactness")

        // Intensity: pixel (x, y) = 100 + x, on the 0–1 scale of 8-bit images.
        func i(_ name: String) -> Double { v("Intensity_\(name)_DNA") }
        near(i("IntegratedIntensity"), 3 * 675 / 255, "IntegratedIntensity")
        near(i("MeanIntensity"), 112.5 / 255, "MeanIntensity")
        near(i("StdIntensity"), varX.squareRoot() / 255, "StdIntensity")
        near(i("MinIntensity"), 110.0 / 255, "MinIntensity")
        near(i("MaxIntensity"), 115.0 / 255, "MaxIntensity")
        #expect(i("MinIntensity") < i("LowerQuartileIntensity") && i("LowerQuartileIntensity") < i("MedianIntensity")
                && i("MedianIntensity") < i("UpperQuartileIntensity") && i("UpperQuartileIntensity") < i("MaxIntensity"))
        #expect(i("MADIntensity") > 0.5 / 255 && i("MADIntensity") < 2.5 / 255)
        // Edge: both long rows whole (2 × 675) and the middle row's two ends (110 + 115), 14 pixels.
        near(i("IntegratedIntensityEdge"), 1575.0 / 255, "IntegratedIntensityEdge")
        near(i("MeanIntensityEdge"), 1575.0 / 14 / 255, "MeanIntensityEdge")
        let cmx = 8455.0 / 675   // Σ x (100 + x) / Σ (100 + x) over x = 10…15
        near(v("Location_CenterMassIntensity_X_DNA"), cmx, "CenterMassIntensity_X")
        near(v("Location_CenterMassIntensity_Y_DNA"), 21, "CenterMassIntensity_Y")
        near(i("MassDisplacement"), cmx - 12.5, "MassDisplacement")
    }

    @Test func featureIdentitiesNameTheColumns() {
        let fs = FeatureSet(channels: ["DNA", "GFP"])
        #expect(fs.features.map(\.columnName) == fs.columnNames)
        let gfp = FeatureID(compartment: "Nuclei", category: "Intensity", name: "MeanIntensity", channel: "GFP")
        #expect(fs.column(of: gfp) == FeatureSet.column(.meanIntensity, channel: 1))
        #expect(Set(fs.features).count == fs.columnCount)
    }
}
