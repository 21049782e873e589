import Testing

import CellarSynth

@Suite struct PlateTests {
    @Test func wells96() {
        let names = PlateFormat.wells96.wellNames()
        #expect(names.count == 96)
        #expect(names.prefix(3) == ["A01", "A02", "A03"])
        #expect(names[12] == "B01")
        #expect(names.last == "H12")
    }

    @Test func wells384And1536() {
        let names = PlateFormat.wells384.wellNames()
        #expect(names.count == 384)
        #expect(names[23] == "A24" && names[24] == "B01" && names.last == "P24")
        let big = PlateFormat.wells1536.wellNames()
        #expect(big.count == 1536 && big.last == "AF48" && big[26 * 48] == "AA01")
        #expect(Set(big).count == 1536)
    }

    @Test func selectingWells() {
        #expect(selectWells(4)?.wells == ["A01", "A02", "A03", "A04"])
        #expect(selectWells(4)?.format == .wells96)
        #expect(selectWells(96)?.wells.count == 96)
        #expect(selectWells(384)?.format == .wells384)
        #expect(selectWells(100)?.format == .wells384)
        #expect(selectWells(100)?.wells[12] == "A13")
        #expect(selectWells(0) == nil)
        #expect(selectWells(2000) == nil)
    }

    @Test func fileNames() {
        let f = PlateField(plate: "P1", well: "B03", site: 2)
        #expect(f.fileName == "P1_B03_s2_w1.TIF")
        #expect(f.imagePath == "P1/P1_B03_s2_w1.TIF")
        #expect(f.truthPath == "P1_groundtruth/P1_B03_s2_w1.TIF")
        let fields = PlateField.fields(plate: "P1", wells: ["A01", "A02"], sites: 3)
        #expect(fields.map(\.fileName) == [
            "P1_A01_s1_w1.TIF", "P1_A01_s2_w1.TIF", "P1_A01_s3_w1.TIF",
            "P1_A02_s1_w1.TIF", "P1_A02_s2_w1.TIF", "P1_A02_s3_w1.TIF",
        ])
    }
}
