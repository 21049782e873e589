import CellarImage
import CellarMeasure
import CellarQuery
import CellarServe
import CellarStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("cellar serve: JSON API and images")
struct APITests {
    @Test func screenListsPlatesWithTotals() async throws {
        let fixture = try await Fixture()
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/api/screen", method: .get) { response in
                #expect(response.status == .ok)
                let plates = try #require(try response.json()["plates"] as? [[String: Any]])
                let p1 = try #require(plates.first { $0["name"] as? String == "P1" })
                #expect(p1["fieldsDone"] as? Int == 5)
                #expect(p1["fieldsFailed"] as? Int == 1)
                #expect(p1["cells"] as? Int == 30 + 20 + 10 + 40 + 15)
                #expect(plates.contains { $0["name"] as? String == Fixture.hostilePlate })
            }
        }
    }

    @Test func heatmapOfCellsColoursWellsByCount() async throws {
        let fixture = try await Fixture()
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: query("/api/heatmap", [("plate", "P1")]), method: .get) { response in
                #expect(response.status == .ok)
                let body = try response.json()
                #expect(body["rows"] as? Int == 8 && body["columns"] as? Int == 12)
                let wells = try #require(body["wells"] as? [[String: Any]])
                let byName = Dictionary(uniqueKeysWithValues: wells.map { ($0["well"] as! String, $0) })
                #expect(byName["A01"]?["value"] as? Double == 50)
                #expect(byName["A02"]?["value"] as? Double == 10)
                #expect(byName["B01"]?["value"] as? Double == 40)
                // Lowest count → the colour map's low end, highest → its high end, others between.
                #expect(byName["A02"]?["colour"] as? String == Viridis.hex(0))
                #expect(byName["A01"]?["colour"] as? String == Viridis.hex(1))
                #expect(byName["B01"]?["colour"] as? String == Viridis.hex(30.0 / 40.0))
                // The failed well: no value, marked by its failed field.
                #expect(byName["B02"]?["value"] == nil)
                #expect(byName["B02"]?["fieldsFailed"] as? Int == 1)
            }
        }
    }

    @Test func heatmapOfAFeatureMatchesTheSummaryAndItsHistogramCountsEveryCell() async throws {
        let fixture = try await Fixture()
        let feature = "Nuclei_AreaShape_Area"
        let expected = try Summary.compute(try Screen.open(fixture.path), filter: FieldFilter(plate: "P1"),
                                           features: [feature], by: .well, statistics: [.median, .count])
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: query("/api/heatmap", [("plate", "P1"), ("value", feature), ("stat", "median")]),
                                     method: .get) { response in
                #expect(response.status == .ok)
                let body = try response.json()
                let wells = try #require(body["wells"] as? [[String: Any]])
                let histogram = try #require(body["histogram"] as? [String: Any])
                let perWell = try #require(histogram["wells"] as? [String: [Int]])
                let plateCounts = try #require(histogram["plate"] as? [Int])
                var total = 0
                for row in expected {
                    let well = try #require(wells.first { $0["well"] as? String == row.well })
                    #expect(well["value"] as? Double == row.values[0], "median of \(row.well!)")
                    #expect(perWell[row.well!]?.reduce(0, +) == Int(row.values[1]), "histogram of \(row.well!)")
                    total += Int(row.values[1])
                }
                #expect(plateCounts.reduce(0, +) == total)
            }
        }
    }

    @Test func robustZScoreCentresOnTheMedianWell() async throws {
        let fixture = try await Fixture()
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: query("/api/heatmap", [("plate", "P1"), ("z", "1")]), method: .get) { response in
                let wells = try #require(try response.json()["wells"] as? [[String: Any]])
                let z = Dictionary(uniqueKeysWithValues: wells.compactMap { w in (w["value"] as? Double).map { (w["well"] as! String, $0) } })
                // Counts 50, 10, 40, 15: median 27.5, MAD median(|22.5|, |17.5|, |12.5|, |12.5|) = 15.
                let scale = 15 * 1.4826
                #expect(abs(z["A01"]! - (50 - 27.5) / scale) < 1e-9)
                #expect(abs(z["A02"]! - (10 - 27.5) / scale) < 1e-9)
            }
        }
    }

    @Test func fieldImageDrawsOutlinesOnTheContrastStretchedSource() async throws {
        let fixture = try await Fixture()
        let key = Fixture.cells[0].0
        let stored = try fixture.stored(key)
        // A cell whose box overlaps no other box: its centre is inside, its top pixel an edge.
        let boxes = stored.masks.indices.map { stored.masks[$0] }
        let lone = try #require(boxes.indices.first { i in
            let a = boxes[i]
            return !boxes.indices.contains { j in
                let b = boxes[j]
                return j != i && a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
            }
        })
        let m = boxes[lone]
        let centre = (m.y + m.height / 2) * 1024 + m.x + m.width / 2
        let top = m.y * 1024 + m.x + m.width / 2
        let dir = try TempDir()
        try await fixture.app().test(.router) { client in
            let uri = query("/api/image.png", [("plate", "P1"), ("well", "A01"), ("site", "1")])
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "image/png")
                let png = try decodeRGB(response.body, dir: dir)
                #expect(png.width == 1024 && png.height == 1024)
                #expect(png.r[centre] == 255 && png.g[centre] == 255 && png.b[centre] == 255, "inside a nucleus: white")
                #expect(!(png.r[top] == png.g[top] && png.g[top] == png.b[top]), "the outline is coloured")
                #expect(png.r[0] == 0 && png.g[0] == 0, "background: black")
            }
            try await client.execute(uri: uri + "&outlines=0", method: .get) { response in
                let png = try decodeRGB(response.body, dir: dir)
                #expect(png.r[top] == png.g[top] && png.g[top] == png.b[top], "no outlines: gray")
                #expect(zip(png.r, png.g).allSatisfy { $0 == $1 })
            }
            // A thumbnail keeps the aspect ratio and the size limit.
            try await client.execute(uri: uri + "&size=256", method: .get) { response in
                let png = try decodeRGB(response.body, dir: dir)
                #expect(png.width == 256 && png.height == 256)
            }
            // Two channels: DNA in magenta, the gradient in green.
            try await client.execute(uri: uri + "&outlines=0&channel2=GFP", method: .get) { response in
                let png = try decodeRGB(response.body, dir: dir)
                #expect(png.r[centre] == 255 && png.b[centre] == 255)
                #expect(png.g[5] < png.g[1000], "green follows the gradient")
            }
        }
    }

    @Test func clickingACellReturnsItsStoredFeatures() async throws {
        let fixture = try await Fixture()
        let key = Fixture.cells[3].0
        let stored = try fixture.stored(key)
        let areaColumn = try #require(stored.columns.firstIndex(of: "Nuclei_AreaShape_Area"))
        // The object at a pixel is the last mask covering it (as drawn); pick the last mask's first pixel.
        let i = stored.masks.count - 1
        let m = stored.masks[i]
        let bits = try CellMask(objectNumber: 1, x: m.x, y: m.y, width: m.width, height: m.height, rle: m.rle).decodeBitmap()
        let first = try #require(bits.firstIndex(of: true))
        let (x, y) = (m.x + first % m.width, m.y + first / m.width)
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/api/cell?plate=P1&well=B01&site=1&x=\(x)&y=\(y)", method: .get) { response in
                #expect(response.status == .ok)
                let body = try response.json()
                let object = try #require(body["object"] as? Int)
                let row = try #require(stored.objectNumbers.firstIndex(of: object))
                let features = try #require(body["features"] as? [[String: Any]])
                let area = try #require(features.first { $0["name"] as? String == "Nuclei_AreaShape_Area" })
                #expect(area["value"] as? Double == stored.values[row * stored.columns.count + areaColumn])
            }
            try await client.execute(uri: "/api/cell?plate=P1&well=B01&site=1&x=0&y=0", method: .get) { response in
                // (0, 0) lies in no ellipse of the fixture (their boxes start ≥ 0 and corners are outside).
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func aMovedSourceFileIsReportedAndTheMasksStillShow() async throws {
        let fixture = try await Fixture()
        let dir = try TempDir()
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/api/field?plate=P1&well=C01&site=1", method: .get) { response in
                #expect(response.status == .ok)
                let missing = try response.json()["missing"] as? [String]
                #expect(missing == ["DNA"])
            }
            try await client.execute(uri: "/api/image.png?plate=P1&well=C01&site=1", method: .get) { response in
                #expect(response.status == .ok)
                let png = try decodeRGB(response.body, dir: dir)
                let coloured = (0 ..< png.r.count).filter { png.r[$0] != png.g[$0] || png.g[$0] != png.b[$0] }.count
                #expect(coloured > 100, "outlines drawn on black")
            }
        }
    }

    @Test func galleryListsAWellsCellsSortedByAFeature() async throws {
        let fixture = try await Fixture()
        try await fixture.app().test(.router) { client in
            let uri = "/api/gallery?plate=P1&well=A01&feature=Nuclei_AreaShape_Area&order=desc&limit=12"
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .ok)
                let body = try response.json()
                #expect(body["total"] as? Int == 50)
                let cells = try #require(body["cells"] as? [[String: Any]])
                #expect(cells.count == 12)
                let values = cells.map { $0["value"] as! Double }
                #expect(values == values.sorted(by: >))
                let first = cells[0]
                try await client.execute(uri: "/api/crop.png?plate=P1&well=A01&site=\(first["site"] as! Int)&object=\(first["object"] as! Int)",
                                         method: .get) { crop in
                    #expect(crop.status == .ok)
                    #expect(crop.headers[.contentType] == "image/png")
                }
            }
        }
    }

    @Test func theAppIsServedFromTheBinary() async throws {
        let fixture = try await Fixture()
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains("<script src=\"/app.js\"></script>"))
                #expect(!html.contains("http://") && !html.contains("https://"), "no CDN")
            }
            try await client.execute(uri: "/app.js", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("function platePage"))
            }
        }
    }
}
