import CellarBench
@testable import CellarQuery
import Foundation
import Testing

struct StatsTests {
    /// Sorted-array reference with numpy's linear interpolation.
    func reference(_ xs: [Double], _ p: Double) -> Double {
        let s = xs.sorted()
        let pos = Double(s.count - 1) * p
        let k = Int(pos.rounded(.down))
        let f = pos - Double(k)
        return k + 1 < s.count ? s[k] + (s[k + 1] - s[k]) * f : s[k]
    }

    @Test func quantilesMatchSortedReference() {
        var rng = SeededRandom(seed: 5)
        for n in [1, 2, 3, 4, 5, 16, 17, 100, 1001] {
            let xs = (0 ..< n).map { _ in (rng.uniform() * 100).rounded() / 4 }  // ties on purpose
            var work = xs
            let r = Stats.compute([.count, .median, .q25, .q75, .min, .max, .mean], values: &work)
            #expect(r[0] == Double(n))
            #expect(r[1] == reference(xs, 0.5))
            #expect(abs(r[2] - reference(xs, 0.25)) < 1e-12)
            #expect(abs(r[3] - reference(xs, 0.75)) < 1e-12)
            #expect(r[4] == xs.min()! && r[5] == xs.max()!)
            #expect(abs(r[6] - xs.reduce(0, +) / Double(n)) < 1e-9)
        }
    }

    @Test func sdMadAndMissing() {
        var xs: [Double] = [1, 2, .nan, 4, 8, .nan]
        let r = Stats.compute([.count, .sd, .median, .mad], values: &xs)
        #expect(r[0] == 4)
        // sample sd of 1,2,4,8: mean 3.75
        let ss = [1.0, 2, 4, 8].map { ($0 - 3.75) * ($0 - 3.75) }.reduce(0, +)
        #expect(abs(r[1] - (ss / 3).squareRoot()) < 1e-12)
        #expect(r[2] == 3)
        // |x - 3| = 2, 1, 1, 5 → median 1.5
        #expect(r[3] == 1.5)
        var none: [Double] = [.nan]
        let empty = Stats.compute([.count, .median, .sd], values: &none)
        #expect(empty[0] == 0 && empty[1].isNaN && empty[2].isNaN)
    }

    @Test func numberFormatReadsBack() {
        var rng = SeededRandom(seed: 9)
        var values: [Double] = [0, -0.0, 1, -1, 0.1, 0.5, 123456789012345, 1e15, 1e16, 1.5e-7, 1e-5, 9.99999999999999e-6,
                                0.000123, 1e300, -2.5e-300, 5e-324, .greatestFiniteMagnitude, 99999.99999999999, 0.30000000000000004]
        for _ in 0 ..< 20000 {
            let e = Double(Int(rng.next() % 40)) - 20
            values.append((rng.uniform() - 0.3) * pow(10, e))
        }
        for v in values {
            let s = NumberFormat.string(v)
            guard let back = Double(s) else { Issue.record("unparsable \(s) for \(v)"); continue }
            let tolerance = abs(v) * 1e-14
            #expect(abs(back - v) <= tolerance, "\(v) → \(s)")
            #expect(!s.contains("nan") && !s.isEmpty)
        }
        #expect(NumberFormat.string(211) == "211")
        #expect(NumberFormat.string(0.1) == "0.1")
        #expect(NumberFormat.string(-0.25) == "-0.25")
        #expect(NumberFormat.string(1.5e-7) == "1.5e-07")
        #expect(NumberFormat.string(2e20) == "2e+20")
        #expect(NumberFormat.string(.nan) == "")
        // Each branch of the fixed-width digit stores.
        for (v, text) in [(1024.5, "1024.5"), (0.000123, "0.000123"), (123456.789, "123456.789"), (99999999, "99999999"),
                          (100000000, "100000000"), (-0.0, "0"), (0.6123456789012345, "0.612345678901235"),
                          (12345678.5, "12345678.5"), (123456789.25, "123456789.25"), (1e-5, "0.00001"),
                          (-3.25e-5, "-0.0000325"), (1234567890123.5, "1234567890123.5"), (123456789012345.6, "123456789012346"),
                          (12345678901234567890, "1.23456789012346e+19"), (9007199254740993, "9.00719925474099e+15")] {
            #expect(NumberFormat.string(v) == text, "\(v)")
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        for (v, text) in [(0, "0"), (-7, "-7"), (Int.max, "9223372036854775807"), (Int.min, "-9223372036854775808")] {
            let n = bytes.withUnsafeMutableBufferPointer { NumberFormat.write(int: v, to: $0.baseAddress!) }
            #expect(String(decoding: bytes[0 ..< n], as: UTF8.self) == text)
        }
    }

    @Test func editDistanceSuggestions() throws {
        #expect(FeatureNames.editDistance("kitten", "sitting") == 3)
        let columns = ["Nuclei_AreaShape_Area", "Nuclei_AreaShape_Perimeter", "Nuclei_Intensity_MeanIntensity_DNA"]
        #expect(FeatureNames.suggestions(for: "Nuclei_AreaShape_Aera", among: columns).first == "Nuclei_AreaShape_Area")
        #expect(FeatureNames.suggestions(for: "MeanIntensty_DNA", among: columns).first == "Nuclei_Intensity_MeanIntensity_DNA")
        #expect(throws: QueryError.self) { try FeatureNames.resolve(["Perimetre"], columns: columns) }
        #expect(try FeatureNames.resolve(["area", "Perimeter"], columns: columns)
            == ["Nuclei_AreaShape_Area", "Nuclei_AreaShape_Perimeter"])
    }
}

/// One output path: numbers for people and for scripts, fields for CSV and TSV.
@Suite struct OutputFormattingTests {
    @Test func humanNumbersHaveFourSignificantDigits() {
        #expect(NumberFormat.human(565.6523517382414) == "565.7")
        #expect(NumberFormat.human(0.123456) == "0.1235")
        #expect(NumberFormat.human(46224) == "46224")
        #expect(NumberFormat.human(12345.678) == "12346")
        #expect(NumberFormat.human(-2.5) == "-2.5")
        #expect(NumberFormat.human(0.0000123) == "1.23e-05")
        #expect(NumberFormat.human(.nan) == "")
        // Scripts keep full precision.
        #expect(NumberFormat.string(565.6523517382414) == "565.652351738241")
    }

    @Test func delimitedFieldsAreEscapedOneWay() {
        #expect(DelimitedText.field("plain", separator: ",") == "plain")
        #expect(DelimitedText.field("a,b", separator: ",") == "\"a,b\"")
        #expect(DelimitedText.field("say \"hi\"", separator: ",") == "\"say \"\"hi\"\"\"")
        #expect(DelimitedText.field("line\nbreak", separator: ",") == "\"line\nbreak\"")
        #expect(DelimitedText.field("a\tb\nc", separator: "\t") == "a b c")
    }
}
