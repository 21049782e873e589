import CImageIO
import CTIFF

/// Compression for TIFF files Cellar writes.
public enum TIFFCompression: Sendable {
    case none
    /// Adobe Deflate with horizontal differencing: lossless, ~2–3× smaller for microscopy.
    case deflate
}

/// Writes single-page TIFFs through libtiff.
enum TIFFWriter {
    /// Writes `samples` (interleaved, `samplesPerPixel` per pixel) as one page.
    /// O(width × height).
    static func write<P: PixelValue>(_ samples: [P], width: Int, height: Int, samplesPerPixel: Int,
                                     compression: TIFFCompression, path: String) throws(ImageError) {
        try write(pages: [samples], width: width, height: height, samplesPerPixel: samplesPerPixel,
                  compression: compression, path: path)
    }

    /// Writes each element of `pages` as one directory (page) of the file.
    static func write<P: PixelValue>(pages: [[P]], width: Int, height: Int, samplesPerPixel: Int,
                                     compression: TIFFCompression, path: String) throws(ImageError) {
        precondition(pages.allSatisfy { $0.count == width * height * samplesPerPixel })
        var messages = cellar_tiff_messages()
        let bytes = pages.count * width * height * samplesPerPixel * MemoryLayout<P>.size
        let mode = bytes > 3_800_000_000 ? "w8" : "w"
        guard let tif = cellar_tiff_open(path, mode, &messages, 0) else {
            throw writeFailure(path: path, messages: messages)
        }
        var closed = false
        defer { if !closed { TIFFClose(tif) } }
        for samples in pages {
        let rowBytes = width * samplesPerPixel * MemoryLayout<P>.size
        let rowsPerStrip = max(1, min(height, (64 * 1024) / max(rowBytes, 1)))
        _ = cellar_tiff_set_u32(tif, UInt32(TIFFTAG_IMAGEWIDTH), UInt32(width))
        _ = cellar_tiff_set_u32(tif, UInt32(TIFFTAG_IMAGELENGTH), UInt32(height))
        _ = cellar_tiff_set_u16(tif, UInt32(TIFFTAG_BITSPERSAMPLE), UInt16(P.bitDepth))
        _ = cellar_tiff_set_u16(tif, UInt32(TIFFTAG_SAMPLESPERPIXEL), UInt16(samplesPerPixel))
        _ = cellar_tiff_set_u16(tif, UInt32(TIFFTAG_SAMPLEFORMAT), UInt16(P.isFloatingPoint ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT))
        _ = cellar_tiff_set_u16(tif, UInt32(TIFFTAG_PHOTOMETRIC), UInt16(samplesPerPixel == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK))
        _ = cellar_tiff_set_u16(tif, UInt32(TIFFTAG_PLANARCONFIG), UInt16(PLANARCONFIG_CONTIG))
        _ = cellar_tiff_set_u32(tif, UInt32(TIFFTAG_ROWSPERSTRIP), UInt32(rowsPerStrip))
        switch compression {
        case .none:
            _ = cellar_tiff_set_u16(tif, UInt32(TIFFTAG_COMPRESSION), UInt16(COMPRESSION_NONE))
        case .deflate:
            _ = cellar_tiff_set_u16(tif, UInt32(TIFFTAG_COMPRESSION), UInt16(COMPRESSION_ADOBE_DEFLATE))
            _ = cellar_tiff_set_u16(tif, UInt32(TIFFTAG_PREDICTOR), UInt16(P.isFloatingPoint ? PREDICTOR_FLOATINGPOINT : PREDICTOR_HORIZONTAL))
            _ = cellar_tiff_set_u32(tif, UInt32(TIFFTAG_ZIPQUALITY), 6)
        }
        // libtiff's predictor modifies the buffer in place, so encode from a copy per strip.
        var strip = [UInt8](repeating: 0, count: rowsPerStrip * rowBytes)
        let complete = samples.withUnsafeBytes { source -> Bool in
            var y = 0, index: UInt32 = 0
            while y < height {
                let rows = min(rowsPerStrip, height - y)
                let n = rows * rowBytes
                let written = strip.withUnsafeMutableBytes { dst -> tmsize_t in
                    dst.baseAddress!.copyMemory(from: source.baseAddress! + y * rowBytes, byteCount: n)
                    return TIFFWriteEncodedStrip(tif, index, dst.baseAddress, tmsize_t(n))
                }
                if written < 0 { return false }
                y += rows; index += 1
            }
            return true
        }
        if !complete { throw writeFailure(path: path, messages: messages) }
        if TIFFWriteDirectory(tif) != 1 { throw writeFailure(path: path, messages: messages) }
        }
        closed = true
        TIFFClose(tif)
        if messages.error_count > 0 { throw writeFailure(path: path, messages: messages) }
    }

    private static func writeFailure(path: String, messages: cellar_tiff_messages) -> ImageError {
        var copy = messages
        let text = messages.error_count > 0
            ? withUnsafeBytes(of: &copy.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            : "libtiff could not create the file"
        return ImageError(path: path, kind: .io(text), writing: true)
    }
}
