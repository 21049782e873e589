import CellarImage
import CellarTestSupport
import Foundation
import Testing

/// Inputs `cellar-fuzz` found to crash or misbehave, rebuilt from the corpus seed files.
@Suite struct FuzzFindingsTests {
    static let formats = TestEnvironment.corpus + "/formats"

    /// Sets the LONG/SHORT value of tag `tag` in the first IFD of a little-endian classic TIFF.
    static func patch(_ bytes: inout [UInt8], tag: UInt16, value: UInt32) -> Bool {
        func u(_ at: Int, _ n: Int) -> Int { (0 ..< n).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        guard bytes.starts(with: [0x49, 0x49, 42, 0]) else { return false }
        let ifd = u(4, 4)
        for i in 0 ..< u(ifd, 2) {
            let e = ifd + 2 + 12 * i
            if u(e, 2) == Int(tag) {
                bytes[e + 2] = 4; bytes[e + 3] = 0  // LONG
                for k in 0 ..< 4 { bytes[e + 8 + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))) }
                return true
            }
        }
        return false
    }

    /// TileLength 2³¹ made the decode buffer 1 TiB (ASan: allocation-size-too-big; an abort or
    /// OOM kill without it). Now refused as a damaged file before allocating.
    @Test func absurdTileSizeIsRefusedBeforeAllocating() throws {
        let tmp = try TempDir()
        defer { tmp.cleanup() }
        for (tag, value) in [(UInt16(323), UInt32(0x8000_0000)), (322, 0x8000_0000), (323, 0x0010_0000)] {
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.formats + "/synth16_tiled.tif")))
            #expect(Self.patch(&bytes, tag: tag, value: value))
            try tmp.write("t.tif", bytes)
            do {
                _ = try ImageFile.read(tmp.file("t.tif"))
                Issue.record("tag \(tag) = \(value) was accepted")
            } catch {
                // libtiff refuses some values itself; the rest reach our geometry check.
                print("tag \(tag) = \(value): \(error.reason)")
            }
        }
    }
}
