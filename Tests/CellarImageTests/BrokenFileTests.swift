import Foundation
import Testing
@testable import CellarImage

/// One test per error kind, on files built here from real ones.
@Suite("Broken files give clear errors")
struct BrokenFileTests {
    let dir: URL
    init() throws { dir = try TestData.temporaryDirectory() }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func kind(_ path: String) -> ImageError.Kind? {
        do { _ = try ImageFile.read(path); return nil } catch { return error.kind }
    }

    @Test func missingFile() {
        #expect(kind(dir.appendingPathComponent("nope.tif").path) == .notFound)
    }

    @Test func emptyFile() throws {
        let path = try write("empty.tif", [])
        #expect(kind(path) == .empty)
        do { _ = try ImageFile.read(path) } catch { #expect(error.description == "cannot read \(path): file is empty (0 bytes)") }
    }

    @Test func textNamedTIFF() throws {
        let path = try write("notes.tif", Array("plate P1 notes\n".utf8))
        guard case .notAnImage(let detail) = kind(path) else { Issue.record("expected notAnImage"); return }
        #expect(detail.contains("plate P1"))
    }

    @Test("real TIFFs cut at 10/50/90 %", arguments: ["formats/synth16_none.tif", "formats/synth16_lzw.tif",
                                                      "formats/synth16_tiled.tif", "acquisition_names/scanr/--W00001--P00001--Z00000--T00000--cherry.tif"])
    func truncatedTIFF(source: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestData.path(source))))
        for percent in [10, 50, 90] {
            let path = try write("cut\(percent).tif", Array(bytes.prefix(bytes.count * percent / 100)))
            let k = kind(path)
            switch k {
            case .truncated, .corrupt: break
            default: Issue.record("\(source) cut at \(percent)%: \(String(describing: k))")
            }
        }
    }

    @Test func truncatedPNG() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestData.path("formats/u2os8_gray.png"))))
        for percent in [10, 50, 90] {
            let path = try write("cut\(percent).png", Array(bytes.prefix(bytes.count * percent / 100)))
            let k = kind(path)
            switch k {
            case .truncated, .corrupt: break
            default: Issue.record("PNG cut at \(percent)%: \(String(describing: k))")
            }
        }
    }

    @Test func hugeTIFFHeaderRefusedBeforeAllocating() throws {
        // A minimal little-endian TIFF claiming 100000 × 100000 16-bit pixels.
        var b: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0]
        func entry(_ tag: UInt16, _ type: UInt16, _ value: UInt32) {
            b += [UInt8(tag & 0xff), UInt8(tag >> 8), UInt8(type), 0, 1, 0, 0, 0]
            b += [UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 24)]
        }
        b += [8, 0]
        entry(256, 4, 100_000); entry(257, 4, 100_000); entry(258, 3, 16); entry(259, 3, 1)
        entry(262, 3, 1); entry(273, 4, 200); entry(278, 4, 100_000); entry(279, 4, 2_000_000_000)
        b += [0, 0, 0, 0]
        let path = try write("huge.tif", b)
        #expect(kind(path) == .tooLarge(width: 100_000, height: 100_000, limit: 32768))
    }

    @Test func hugePNGHeaderRefused() throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestData.path("formats/u2os8_gray.png"))))
        bytes.replaceSubrange(16..<24, with: [0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0]) // 100000 × 100000
        let path = try write("huge.png", bytes)
        #expect(kind(path) == .tooLarge(width: 100_000, height: 100_000, limit: 32768))
    }

    @Test func bogusDirectoryOffset() throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestData.path("formats/synth16_none.tif"))))
        bytes.replaceSubrange(4..<8, with: [0xff, 0xff, 0xff, 0x7f])
        let path = try write("bogus.tif", bytes)
        guard case .truncated = kind(path) else { Issue.record("expected truncated"); return }
    }

    @Test func directoryIsNotAnImage() throws {
        let path = dir.appendingPathComponent("looks_like.tif").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard case .notAnImage = kind(path) else { Issue.record("expected notAnImage"); return }
    }
}
