import Foundation
import Testing
@testable import CellarIngest

/// Rows of Tests/Corpus/acquisition_names/FILES.tsv: real vendor file names with the
/// plate/well/site/channel they carry.
struct VendorName: Sendable, CustomStringConvertible {
    let vendor, fileName, plate, well, site, channel: String
    var description: String { fileName }
}

func vendorNames() throws -> [VendorName] {
    let text = try String(contentsOfFile: corpus + "/acquisition_names/FILES.tsv", encoding: .utf8)
    var rows: [VendorName] = []
    var header: [String] = []
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        if header.isEmpty { header = f; continue }
        func col(_ n: String) -> String { f[header.firstIndex(of: n)!] }
        rows.append(VendorName(vendor: col("vendor"), fileName: col("file_name"), plate: col("plate"),
                               well: col("well"), site: col("site"), channel: col("channel")))
    }
    return rows
}

@Suite struct RealVendorNames {
    @Test func everyRowOfFilesTSVParsesToItsExpectedKey() throws {
        let rows = try vendorNames()
        #expect(rows.count >= 4)
        for row in rows {
            let layout = try Layout.named(row.vendor)
            // The file exists where FILES.tsv says (real names, not retyped).
            #expect(FileManager.default.fileExists(atPath: "\(corpus)/acquisition_names/\(row.vendor)/\(row.fileName)"))
            let key = try #require(layout.key(for: row.fileName), "\(row.vendor) did not parse \(row.fileName)")
            #expect(key.plate == row.plate, "\(row)")
            #expect(key.channel == ChannelID(row.channel), "\(row)")
            #expect(key.site == (row.site.isEmpty ? 1 : Int(row.site)!), "\(row)")
            if let (r, c) = WellName.parse(row.well) {
                #expect(key.row == r && key.column == c, "\(row)")
            } else {  // ScanR: a well index
                let (r, c) = try #require(PlateFormat.wells96.position(ofWellIndex: Int(row.well)!))
                #expect(key.row == r && key.column == c, "\(row)")
            }
            // No other preset claims it.
            for other in Layout.presets() where other.name != layout.name {
                #expect(other.key(for: row.fileName) == nil, "\(other.name) also matched \(row)")
            }
        }
    }

    @Test func autoDetectionPicksEachVendorsPreset() throws {
        for (vendor, rows) in Dictionary(grouping: try vendorNames(), by: \.vendor) {
            let d = try #require(Layout.detect(rows.map(\.fileName)))
            #expect(d.layout.name == vendor)
            #expect(d.matched == rows.count)
        }
        // And on the folder as it lies on disk, through the scanner.
        let root = corpus + "/acquisition_names/imagexpress"
        let scan = Scanner(root: root, layout: nil).scan()
        #expect(Layout.detect(scan.imagePaths)?.layout.name == "imagexpress")
    }
}

@Suite struct SyntheticNames {
    @Test func imageXpress() throws {
        let L = Layout.imageXpress
        var k = try #require(L.key(for: "Plate_1_B03_s2_w3.tif"))
        #expect((k.plate, k.wellName, k.row, k.column, k.site, k.channel.name) == ("Plate_1", "B03", 1, 2, 2, "3"))
        k = try #require(L.key(for: "P1_H12_s9_w1_[9AA4D9EA-18E4-4354-8C7D-0202029A8048].TIF"))
        #expect((k.wellName, k.site, k.channel.name) == ("H12", 9, "1"))
        k = try #require(L.key(for: "P1_A01_s1_w12247376DD-6ADD-442D-AE47-F54A05F3EA94.tif"))
        #expect(k.channel.name == "1")
        k = try #require(L.key(for: "P1_A01.tif"))       // single site, single wavelength
        #expect((k.site, k.channel.name) == (1, "1"))
        // Plate from the folder; TimePoint/ZStep folders give t and z.
        k = try #require(L.key(for: "Screen42/2024-01-02/1234/TimePoint_3/ZStep_2/A05_s1_w2.tif"))
        #expect((k.plate, k.timepoint, k.z, k.wellName) == ("1234", 3, 2, "A05"))
        k = try #require(L.key(for: "A05_s1_w2.tif", rootName: "MyPlate"))
        #expect(k.plate == "MyPlate")
        #expect(L.key(for: "P1_A01_s1_w1_thumb9AA4D9EA-18E4-4354-8C7D-0202029A8048.tif") == nil)
        #expect(L.key(for: "P1_A01_s1_w1.HTD") == nil)
        #expect(L.key(for: "notes.tif") == nil)
        // 1536-well row names.
        k = try #require(L.key(for: "P_AF48_s1_w1.tif"))
        #expect((k.row, k.column, k.wellName) == (31, 47, "AF48"))
    }

    @Test func opera() throws {
        let k = try #require(Layout.opera.key(for: "PlateX__2019-03-01T10_23_44-Measurement 1/Images/r02c03f04p05-ch2sk6fk1fl1.tiff"))
        #expect((k.plate, k.wellName, k.site, k.z, k.timepoint, k.channel.name) == ("PlateX", "B03", 4, 5, 6, "2"))
        #expect(Layout.opera.key(for: "r02c03f01p01-ch1sk1fk1fl1.tiff")?.wellName == "B03")
    }

    @Test func yokogawa() throws {
        let k = try #require(Layout.yokogawa.key(for: "AssayPlate_Greiner_#781091_D07_T0001F003L01A02Z04C02.tif"))
        #expect((k.plate, k.wellName, k.site, k.z, k.timepoint, k.channel.name)
                == ("AssayPlate_Greiner_#781091", "D07", 3, 4, 1, "2"))
        #expect(k.channel == "C02")
    }

    @Test func arrayScan() throws {
        let k = try #require(Layout.arrayScan.key(for: "MFGTMP_140206180002_B11f03d2.TIF"))
        // f03 is the fourth field: Cellar counts sites from 1.
        #expect((k.plate, k.wellName, k.site, k.channel.name) == ("MFGTMP_140206180002", "B11", 4, "2"))
        #expect(k.channel == "d2")
        #expect(Layout.arrayScan.key(for: "X_A01f00d0.TIF")?.site == 1)
    }

    @Test func inCell() throws {
        var k = try #require(Layout.inCell.key(for: "Plate7/B - 11(fld 3 wv DAPI - DAPI).tif"))
        #expect((k.plate, k.wellName, k.site, k.channel.name) == ("Plate7", "B11", 3, "DAPI"))
        k = try #require(Layout.inCell.key(for: "C - 2(fld 1 wv Blue - FITC z 4 time 2 - 1000 ms).tif"))
        #expect((k.wellName, k.channel.name, k.z, k.timepoint) == ("C02", "Blue - FITC", 4, 2))
    }

    @Test func scanR() throws {
        var k = try #require(Layout.scanR().key(for: "Exp12/data/--W00014--P00003--Z00000--T00000--DAPI.tif"))
        #expect((k.plate, k.wellName, k.site, k.z, k.channel.name) == ("Exp12", "B02", 3, 0, "DAPI"))
        k = try #require(Layout.scanR(plateFormat: .wells384).key(for: "--W00025--P00001--Z00000--T00000--GFP.tif"))
        #expect(k.wellName == "B01")
        k = try #require(Layout.scanR(plateFormat: .wells1536).key(for: "--W01536--P00001--Z00000--T00000--GFP.tif"))
        #expect(k.wellName == "AF48")
        #expect(Layout.scanR().key(for: "--W00097--P00001--Z00000--T00000--GFP.tif") == nil)  // not on a 96 plate
        k = try #require(Layout.scanR().key(for: "C3--W00027--P00001--Z00000--T00000--GFP.tif"))
        #expect(k.wellName == "C03")
    }

    @Test func customRegex() throws {
        let L = try Layout.regex(#"(?<plate>[^_]+)_(?<well>[A-P]\d\d)_f(?<site>\d+)_(?<channel>[a-z]+)\.png"#)
        let k = try #require(L.key(for: "PL9_C04_f2_hoechst.png"))
        #expect((k.plate, k.wellName, k.site, k.channel.name) == ("PL9", "C04", 2, "hoechst"))
        let rc = try Layout.regex(#"(?P<row>\d+)-(?P<col>\d+)-(?P<channel>\d)\.tif"#)
        #expect(rc.key(for: "P/3-7-1.tif").map { ($0.plate, $0.wellName) } ?? ("", "") == ("P", "C07"))
        let letters = try Layout.regex(#"(?<row>[A-Z])(?<col>\d+)_(?<channel>\w+)\.tif"#)
        #expect(letters.key(for: "D5_GFP.tif")?.wellName == "D05")
        let withPath = try Layout.regex(#"(?<plate>[^/]+)/(?<well>[A-H]\d\d)/(?<channel>\d)\.tif"#)
        #expect(withPath.key(for: "P2/H01/1.tif")?.plate == "P2")
        #expect(throws: LayoutError.self) { try Layout.regex("(?<plate>.+)_(?<channel>\\d).tif") }
        #expect(throws: LayoutError.self) { try Layout.regex("(?<well>[A-") }
        #expect(throws: LayoutError.self) { try Layout.named("leica") }
    }

    @Test func autoDetectionMostMatchesWins() throws {
        let names = ["P_A01_s1_w1.tif", "P_A01_s1_w2.tif", "r01c01f01p01-ch1sk1fk1fl1.tiff", "notes.txt"]
        let d = try #require(Layout.detect(names))
        #expect(d.layout.name == "imagexpress")
        #expect(d.matched == 2)
        #expect(d.scores.first { $0.name == "opera" }?.matched == 1)
        #expect(Layout.detect(["readme.md"]) == nil)
    }

    @Test func channelsAndWells() {
        #expect(ChannelID("w1") == ChannelID("1"))
        #expect(ChannelID("C01") == "1" && ChannelID("ch2") == "2" && ChannelID("d0") == "0")
        #expect(ChannelID("dapi") == "DAPI")
        #expect(ChannelID("Cy5").name == "Cy5")
        #expect([ChannelID("GFP"), "10", "2", "DAPI"].sorted().map(\.name) == ["2", "10", "DAPI", "GFP"])
        #expect(WellName.parse("P24")! == (15, 23))
        #expect(WellName.parse("AA01")! == (26, 0))
        #expect(WellName.parse("A0") == nil && WellName.parse("01") == nil)
        #expect(WellName.format(row: 0, column: 0) == "A01")
        #expect(WellName.format(row: 27, column: 11) == "AB12")
        #expect(FieldID(plate: "P1", row: 1, column: 2, site: 2).description == "P1/B03/2")
    }
}
