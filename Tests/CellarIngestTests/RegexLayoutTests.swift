import Testing
@testable import CellarIngest

/// Custom `--pattern` layouts: every well group, why a name does not match, refused settings.
@Suite struct RegexLayoutTests {
    @Test func aWellGroupOfDigitsIsAWellNumberOnThePlateFormat() throws {
        let p = #"(?<plate>\w+)_(?<well>\d+)_s(?<site>\d)\.tif"#
        let k96 = try #require(try Layout.regex(p).key(for: "P_01_s1.tif"))
        #expect((k96.wellName, k96.site) == ("A01", 1))
        #expect(try Layout.regex(p).key(for: "P_13_s1.tif")?.wellName == "B01")
        #expect(try Layout.regex(p, plateFormat: .wells384).key(for: "P_25_s1.tif")?.wellName == "B01")
        #expect(try Layout.regex(p).key(for: "P_97_s1.tif") == nil)
        #expect(try Layout.regex(p).explain("P_97_s1.tif").contains("well number 97 is not on a 96-well plate"))
    }

    @Test func aPatternWithoutAWellTakesTheGivenWell() throws {
        // ExampleFly: 01_POS002_D.TIF — a site and a channel, no well.
        let p = #"(?<plate>\d+)_POS(?<site>\d+)_(?<channel>[A-Z])\.TIF"#
        #expect(throws: LayoutError.self) { try Layout.regex(p) }
        let k = try #require(try Layout.regex(p, well: "B03").key(for: "01_POS076_F.TIF"))
        #expect((k.plate, k.wellName, k.site, k.channel.name) == ("01", "B03", 76, "F"))
        #expect(throws: LayoutError.self) { try Layout.regex(p, well: "nowhere") }
    }

    @Test func aNameThatDoesNotMatchSaysWhy() throws {
        let layout = try Layout.regex(#"(?<plate>\w+)_(?<well>[A-P]\d\d)_s(?<site>\d)\.tif"#)
        #expect(layout.explain("P_B03_s1.tif") == "matches")
        #expect(layout.explain("P_B03_site1.tif").contains("does not match the pattern"))
        let rows = try Layout.regex(#"(?<row>\w)(?<col>\d+)\.tif"#)
        #expect(rows.explain("_0.tif").contains("do not name a well"))
    }

    @Test func aBadRegexSaysWhatAndWhere() {
        #expect { try Layout.regex(#"(?<plate>.+_(?<well>[A-P]\d\d"#) } throws: { error in
            let text = "\(error)"
            return text.contains("expected ')'") && text.contains("at character") && text.contains("^")
        }
    }

    @Test func aPatternWithAVendorLayoutIsRefusedNotIgnored() throws {
        var s = IngestSettings()
        s.layout = "imagexpress"
        s.pattern = #"(?<well>[A-P]\d\d)\.tif"#
        #expect { try s.resolvedLayout() } throws: { "\($0)".contains("regex layout only") }
        s.layout = "regex"
        #expect(try s.resolvedLayout()?.name == "regex")
        s.layout = nil
        #expect(try s.resolvedLayout()?.name == "regex")
    }

    @Test func pngFilesMatchTheVendorLayoutsAsTIFFsDo() {
        #expect(Layout.imageXpress.key(for: "P1_B03_s2_w1.png")?.wellName == "B03")
        #expect(Layout.opera.key(for: "r02c03f01p01-ch1sk1fk1fl1.png")?.wellName == "B03")
        #expect(Layout.arrayScan.key(for: "X_B03f00d0.PNG")?.site == 1)
    }
}
