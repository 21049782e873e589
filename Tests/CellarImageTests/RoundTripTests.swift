import Foundation
import Testing
@testable import CellarImage

@Suite("Write → read round trips")
struct RoundTripTests {
    static func ramp<P: PixelValue>(_ make: (Int) -> P, width: Int = 37, height: Int = 23) -> Image<P> {
        Image(width: width, height: height, pixels: (0..<(width * height)).map(make))
    }

    @Test func tiff8and16and32() throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let u8 = Self.ramp { UInt8(truncatingIfNeeded: $0 * 7) }
        let u16 = Self.ramp { UInt16(truncatingIfNeeded: $0 * 977) }
        let f32 = Self.ramp { Float($0) * 0.25 - 3 }
        let u32 = Self.ramp { UInt32($0) * 100_003 }
        for compression in [TIFFCompression.none, .deflate] {
            let p8 = dir.appendingPathComponent("a8-\(compression).tif").path
            try ImageFile.writeTIFF(u8, to: p8, compression: compression)
            #expect(try ImageFile.read(p8) == .uint8(u8))
            let p16 = dir.appendingPathComponent("a16-\(compression).tif").path
            try ImageFile.writeTIFF(u16, to: p16, compression: compression)
            #expect(try ImageFile.read(p16) == .uint16(u16))
            let p32 = dir.appendingPathComponent("a32-\(compression).tif").path
            try ImageFile.writeTIFF(f32, to: p32, compression: compression)
            #expect(try ImageFile.read(p32) == .float32(f32))
            // 32-bit unsigned pages are label images: refused as intensities, read as labels.
            let pl = dir.appendingPathComponent("l32-\(compression).tif").path
            try ImageFile.writeTIFF(u32, to: pl, compression: compression)
            #expect(throws: ImageError.self) { try ImageFile.read(pl) }
            #expect(try ImageFile.readLabels(pl) == u32)
        }
    }

    @Test func labelsPick16Or32Bit() throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let small = Self.ramp { UInt32($0 % 300) }
        let big = Self.ramp { UInt32($0) * 1000 }
        let p16 = dir.appendingPathComponent("small.tif").path, p32 = dir.appendingPathComponent("big.tif").path
        try ImageFile.writeLabelsTIFF(small, to: p16)
        try ImageFile.writeLabelsTIFF(big, to: p32)
        #expect(try ImageFile.read(p16).bitDepth == 16)
        #expect(try ImageFile.readLabels(p16) == small)
        #expect(try ImageFile.readLabels(p32) == big)
        let labelDir = TestData.path("dsb_u2os_dev/labels")
        let first = try #require(try FileManager.default.contentsOfDirectory(atPath: labelDir).sorted().first)
        #expect(try ImageFile.readLabels(labelDir + "/" + first).pixels.max()! > 0)
    }

    @Test func tiffRGBAndPages() throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (w, h) = (16, 9)
        let rgb = (0..<(w * h * 3)).map { UInt8(truncatingIfNeeded: $0 * 5) }
        let path = dir.appendingPathComponent("rgb.tif").path
        try ImageFile.writeTIFFRGB(rgb, width: w, height: h, to: path, compression: .deflate)
        for c in 0..<3 {
            let expected = Image(width: w, height: h, pixels: stride(from: c, to: rgb.count, by: 3).map { rgb[$0] })
            #expect(try ImageFile.read(path, channel: .index(c)) == .uint8(expected))
        }
        let pages = (0..<3).map { k in Self.ramp { UInt16($0 + 1000 * k) } }
        let multi = dir.appendingPathComponent("pages.tif").path
        try ImageFile.writeTIFF(pages: pages, to: multi)
        for k in 0..<3 { #expect(try ImageFile.read(multi, page: k) == .uint16(pages[k])) }
        #expect(throws: ImageError(path: multi, kind: .noSuchPage(requested: 3, pages: 3))) { try ImageFile.read(multi, page: 3) }
    }

    @Test func png() throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let u8 = Self.ramp { UInt8(truncatingIfNeeded: $0 * 3) }
        let u16 = Self.ramp { UInt16(truncatingIfNeeded: $0 * 1777) }
        try ImageFile.writePNG(u8, to: dir.appendingPathComponent("g8.png").path)
        #expect(try ImageFile.read(dir.appendingPathComponent("g8.png").path) == .uint8(u8))
        try ImageFile.writePNG(u16, to: dir.appendingPathComponent("g16.png").path)
        #expect(try ImageFile.read(dir.appendingPathComponent("g16.png").path) == .uint16(u16))
        let (w, h) = (u8.width, u8.height)
        let rgb = (0..<(w * h * 3)).map { UInt8(truncatingIfNeeded: $0 &* 11) }
        try ImageFile.writePNGRGB(rgb, width: w, height: h, to: dir.appendingPathComponent("rgb.png").path)
        let green = Image(width: w, height: h, pixels: stride(from: 1, to: rgb.count, by: 3).map { rgb[$0] })
        #expect(try ImageFile.read(dir.appendingPathComponent("rgb.png").path, channel: .index(1)) == .uint8(green))
        let rgba = (0..<(w * h * 4)).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        try ImageFile.writePNGRGBA(rgba, width: w, height: h, to: dir.appendingPathComponent("rgba.png").path)
        let alpha = Image(width: w, height: h, pixels: stride(from: 3, to: rgba.count, by: 4).map { rgba[$0] })
        #expect(try ImageFile.read(dir.appendingPathComponent("rgba.png").path, channel: .index(3)) == .uint8(alpha))
    }
}
