import CImageIO
import CTIFF

extension TIFFReader {
    /// Decodes a 1-bit (bilevel) gray page stored in strips into 8-bit 0/255: set bits are 255
    /// for min-is-black (the default), 0 for min-is-white, so bright stays bright either way.
    /// Rows are packed MSB-first, each padded to a whole byte (TIFF 6.0 §4). O(width × height).
    static func decodeBilevel(tif: OpaquePointer, info: PageInfo, path: String,
                              messages: inout cellar_tiff_messages) throws(ImageError) -> Image<UInt8> {
        var photometric: UInt16 = UInt16(PHOTOMETRIC_MINISBLACK)
        _ = cellar_tiff_get_u16_defaulted(tif, UInt32(TIFFTAG_PHOTOMETRIC), &photometric)
        let (one, zero): (UInt8, UInt8) = Int32(photometric) == PHOTOMETRIC_MINISWHITE ? (0, 255) : (255, 0)
        let width = info.width, height = info.height
        let rowBytes = (width + 7) / 8
        let chunkBytes = Int(TIFFStripSize(tif))
        guard chunkBytes >= min(info.rowsPerStrip, height) * rowBytes, chunkBytes > 0 else {
            throw failure(path: path, messages: messages, fallback: "strip size \(chunkBytes) too small for \(width)-pixel 1-bit rows")
        }
        var image = Image<UInt8>(width: width, height: height)
        var buffer = [UInt8](repeating: 0, count: chunkBytes)
        var problem: ImageError?
        image.pixels.withUnsafeMutableBufferPointer { out in
            buffer.withUnsafeMutableBytes { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                let strips = (height + info.rowsPerStrip - 1) / info.rowsPerStrip
                for s in 0..<strips {
                    let y0 = s * info.rowsPerStrip
                    let rows = min(info.rowsPerStrip, height - y0)
                    if TIFFReadEncodedStrip(tif, UInt32(s), raw.baseAddress, tmsize_t(rows * rowBytes)) < 0 {
                        problem = failure(path: path, messages: messages, fallback: "cannot decode strip \(s)")
                        return
                    }
                    for row in 0..<rows {
                        let src = row * rowBytes, dst = (y0 + row) * width
                        for x in 0..<width {
                            out[dst + x] = bytes[src + x >> 3] & (0x80 >> UInt8(x & 7)) != 0 ? one : zero
                        }
                    }
                }
            }
        }
        if let problem { throw problem }
        if messages.error_count > 0 { throw failure(path: path, messages: messages, fallback: "decode error") }
        return image
    }
}
