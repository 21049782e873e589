import CImageIO
import CTIFF

/// Reads one page of a TIFF file through libtiff.
///
/// Handles 8/16-bit unsigned and 32-bit float samples, and 1-bit gray in strips (as 0/255); any compression the
/// installed libtiff has (none, LZW, Deflate, PackBits, ...), with or without
/// predictor; strips and tiles; contiguous or planar samples (one channel is
/// taken); classic and BigTIFF, either byte order. libtiff's messages are
/// captured into the thrown ``ImageError``, never printed.
enum TIFFReader {
    /// Reads page `page` as one channel chosen by `selection` (luminance and maximum combine
    /// the first three samples of 8/16-bit colour pages; other pages keep sample 0).
    /// `samplesPerPixel` receives the page's count. O(width × height × samples read).
    static func read(path: String, header: FileHeader, page: Int, selection: ChannelSelection, maxDimension: Int,
                     samplesPerPixel: inout Int) throws(ImageError) -> AnyImage {
        switch try readAny(path: path, header: header, page: page, selection: selection, maxDimension: maxDimension,
                           allowUInt32: false, samplesPerPixel: &samplesPerPixel) {
        case .image(let image): return image
        case .labels32: fatalError("unreachable: 32-bit labels not requested")
        }
    }

    enum Decoded { case image(AnyImage), labels32(Image<UInt32>) }

    /// Like `read`, and with `allowUInt32` also 32-bit unsigned pages (label images).
    static func readAny(path: String, header: FileHeader, page: Int, selection: ChannelSelection, maxDimension: Int,
                        allowUInt32: Bool) throws(ImageError) -> Decoded {
        var samples = 1
        return try readAny(path: path, header: header, page: page, selection: selection, maxDimension: maxDimension,
                           allowUInt32: allowUInt32, samplesPerPixel: &samples)
    }

    static func readAny(path: String, header: FileHeader, page: Int, selection: ChannelSelection, maxDimension: Int,
                        allowUInt32: Bool, samplesPerPixel: inout Int) throws(ImageError) -> Decoded {
        if let offset = header.firstDirectoryOffset, offset >= UInt64(header.size) {
            throw ImageError(path: path, kind: .truncated("first directory at byte \(offset) but the file has \(header.size) bytes"))
        }
        var messages = cellar_tiff_messages()
        // A single allocation by libtiff may not exceed one maximal 32-bit page plus slack.
        let maxAlloc = Int64(maxDimension) * Int64(maxDimension) * 4 + (1 << 20)
        guard let tif = cellar_tiff_open(path, "r", &messages, maxAlloc) else {
            throw failure(path: path, messages: messages, fallback: "libtiff could not open it")
        }
        defer { TIFFClose(tif) }
        if page > 0 {
            let pages = Int(TIFFNumberOfDirectories(tif))
            guard page < pages, TIFFSetDirectory(tif, tdir_t(page)) == 1 else {
                throw ImageError(path: path, kind: .noSuchPage(requested: page, pages: pages))
            }
        }
        let info = try PageInfo(tif: tif, path: path, messages: &messages)
        guard info.width <= maxDimension, info.height <= maxDimension else {
            throw ImageError(path: path, kind: .tooLarge(width: info.width, height: info.height, limit: maxDimension))
        }
        try checkChunkGeometry(info: info, path: path)
        try checkDataInsideFile(tif: tif, info: info, path: path, fileSize: header.size)
        samplesPerPixel = info.samplesPerPixel
        var channel = 0
        if case .index(let k) = selection { channel = k }
        let sample = min(max(channel, 0), info.samplesPerPixel - 1)
        let combines = info.samplesPerPixel >= 3 && selection != .index(channel)
        switch (info.bitsPerSample, info.sampleFormat) {
        case (8, SAMPLEFORMAT_UINT) where combines:
            return .image(.uint8(try decodeCombined(UInt8.self, tif: tif, info: info, selection: selection, path: path, messages: &messages)))
        case (16, SAMPLEFORMAT_UINT) where combines:
            return .image(.uint16(try decodeCombined(UInt16.self, tif: tif, info: info, selection: selection, path: path, messages: &messages)))
        case (8, SAMPLEFORMAT_UINT):
            return .image(.uint8(try decode(UInt8.self, tif: tif, info: info, sample: sample, path: path, messages: &messages)))
        case (16, SAMPLEFORMAT_UINT):
            return .image(.uint16(try decode(UInt16.self, tif: tif, info: info, sample: sample, path: path, messages: &messages)))
        case (32, SAMPLEFORMAT_IEEEFP):
            return .image(.float32(try decode(Float.self, tif: tif, info: info, sample: sample, path: path, messages: &messages)))
        case (1, SAMPLEFORMAT_UINT) where info.samplesPerPixel == 1 && !info.tiled:
            return .image(.uint8(try decodeBilevel(tif: tif, info: info, path: path, messages: &messages)))
        case (32, SAMPLEFORMAT_UINT) where allowUInt32:
            return .labels32(try decode(UInt32.self, tif: tif, info: info, sample: sample, path: path, messages: &messages))
        default:
            let kind = info.sampleFormat == SAMPLEFORMAT_IEEEFP ? "float" : info.sampleFormat == SAMPLEFORMAT_INT ? "signed integer" : "unsigned integer"
            throw ImageError(path: path, kind: .unsupported(
                "TIFF with \(info.bitsPerSample)-bit \(kind) samples not supported (8/16-bit unsigned, 32-bit float or 1-bit gray in strips)"))
        }
    }

    /// The tags that decide how to decode a page.
    struct PageInfo {
        var width = 0, height = 0
        var bitsPerSample = 1, samplesPerPixel = 1
        var sampleFormat = Int32(SAMPLEFORMAT_UINT)
        var planar = false
        var tiled = false
        var tileWidth = 0, tileHeight = 0, rowsPerStrip = 0

        init(tif: OpaquePointer, path: String, messages: inout cellar_tiff_messages) throws(ImageError) {
            var w: UInt32 = 0, h: UInt32 = 0, u16: UInt16 = 0
            guard cellar_tiff_get_u32(tif, UInt32(TIFFTAG_IMAGEWIDTH), &w) == 1,
                  cellar_tiff_get_u32(tif, UInt32(TIFFTAG_IMAGELENGTH), &h) == 1 else {
                throw TIFFReader.failure(path: path, messages: messages, fallback: "no image width/length tags")
            }
            width = Int(w); height = Int(h)
            if cellar_tiff_get_u16_defaulted(tif, UInt32(TIFFTAG_BITSPERSAMPLE), &u16) == 1 { bitsPerSample = Int(u16) }
            if cellar_tiff_get_u16_defaulted(tif, UInt32(TIFFTAG_SAMPLESPERPIXEL), &u16) == 1 { samplesPerPixel = max(1, Int(u16)) }
            if cellar_tiff_get_u16_defaulted(tif, UInt32(TIFFTAG_SAMPLEFORMAT), &u16) == 1 { sampleFormat = Int32(u16) }
            if cellar_tiff_get_u16_defaulted(tif, UInt32(TIFFTAG_PLANARCONFIG), &u16) == 1 { planar = Int32(u16) == PLANARCONFIG_SEPARATE }
            var compression: UInt16 = 1
            if cellar_tiff_get_u16_defaulted(tif, UInt32(TIFFTAG_COMPRESSION), &compression) == 1,
               TIFFIsCODECConfigured(compression) == 0 {
                throw ImageError(path: path, kind: .unsupported("TIFF compression \(compression)\(compressionName(compression)) not supported"))
            }
            tiled = TIFFIsTiled(tif) != 0
            if tiled {
                var tw: UInt32 = 0, th: UInt32 = 0
                _ = cellar_tiff_get_u32(tif, UInt32(TIFFTAG_TILEWIDTH), &tw)
                _ = cellar_tiff_get_u32(tif, UInt32(TIFFTAG_TILELENGTH), &th)
                guard tw > 0, th > 0 else { throw ImageError(path: path, kind: .corrupt("tiled TIFF with zero tile size")) }
                tileWidth = Int(tw); tileHeight = Int(th)
            } else {
                var rps: UInt32 = 0
                if cellar_tiff_get_u32(tif, UInt32(TIFFTAG_ROWSPERSTRIP), &rps) != 1 || rps == 0 || Int(rps) > height { rps = UInt32(max(height, 1)) }
                rowsPerStrip = Int(rps)
            }
        }
    }

    /// Refuses tiles far larger than the image and absurd sample counts, whose decode buffer
    /// (one tile or strip) could otherwise be terabytes (found by cellar-fuzz: TileLength 2³¹).
    static func checkChunkGeometry(info: PageInfo, path: String) throws(ImageError) {
        guard info.samplesPerPixel <= 64 else {
            throw ImageError(path: path, kind: .unsupported("TIFF with \(info.samplesPerPixel) samples per pixel not supported (at most 64)"))
        }
        guard info.tiled else { return }
        func limit(_ side: Int) -> Int { max((side + 15) / 16 * 16, 1024) }
        guard info.tileWidth <= limit(info.width), info.tileHeight <= limit(info.height) else {
            throw ImageError(path: path, kind: .corrupt("tiles of \(info.tileWidth) × \(info.tileHeight) pixels for a \(info.width) × \(info.height) image"))
        }
    }

    /// Refuses files whose strips or tiles point past the end: a cut-off or
    /// still-growing file, told apart from a damaged one before decoding.
    static func checkDataInsideFile(tif: OpaquePointer, info: PageInfo, path: String, fileSize: Int) throws(ImageError) {
        let chunks = Int(info.tiled ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif))
        var offsets: UnsafePointer<UInt64>?, counts: UnsafePointer<UInt64>?
        let offsetTag = UInt32(info.tiled ? TIFFTAG_TILEOFFSETS : TIFFTAG_STRIPOFFSETS)
        let countTag = UInt32(info.tiled ? TIFFTAG_TILEBYTECOUNTS : TIFFTAG_STRIPBYTECOUNTS)
        guard cellar_tiff_get_u64_array(tif, offsetTag, &offsets) == 1,
              cellar_tiff_get_u64_array(tif, countTag, &counts) == 1,
              let offsets, let counts else { return }
        var end: UInt64 = 0
        for i in 0..<chunks { end = max(end, offsets[i] &+ counts[i]) }
        if end > UInt64(fileSize) {
            throw ImageError(path: path, kind: .truncated("image data runs to byte \(end) but the file has \(fileSize) bytes"))
        }
    }

    /// Decodes samples 0, 1, 2 (R, G, B) and combines them per pixel (`combineRGB`).
    /// O(width × height × 3).
    static func decodeCombined<P: PixelValue & FixedWidthInteger>(
        _ type: P.Type, tif: OpaquePointer, info: PageInfo, selection: ChannelSelection, path: String,
        messages: inout cellar_tiff_messages
    ) throws(ImageError) -> Image<P> {
        let planes = [try decode(type, tif: tif, info: info, sample: 0, path: path, messages: &messages),
                      try decode(type, tif: tif, info: info, sample: 1, path: path, messages: &messages),
                      try decode(type, tif: tif, info: info, sample: 2, path: path, messages: &messages)]
        let count = info.width * info.height
        var rgb = [P](repeating: 0, count: count * 3)
        for (k, plane) in planes.enumerated() {
            for i in 0..<count { rgb[i * 3 + k] = plane.pixels[i] }
        }
        var out = Image<P>(width: info.width, height: info.height)
        rgb.withUnsafeBufferPointer { samples in
            out.pixels.withUnsafeMutableBufferPointer { combineRGB(samples, stride: 3, count: count, selection: selection, into: $0) }
        }
        return out
    }

    /// Decodes every strip or tile and copies sample `sample` into the image.
    static func decode<P: PixelValue>(_ type: P.Type, tif: OpaquePointer, info: PageInfo, sample: Int,
                                      path: String, messages: inout cellar_tiff_messages) throws(ImageError) -> Image<P> {
        var image = Image<P>(width: info.width, height: info.height)
        let spp = info.planar ? 1 : info.samplesPerPixel
        let planeOffset = info.planar ? sample : 0
        let pick = info.planar ? 0 : sample
        let chunkBytes = Int(info.tiled ? TIFFTileSize(tif) : TIFFStripSize(tif))
        guard chunkBytes > 0 else { throw failure(path: path, messages: messages, fallback: "zero strip/tile size") }
        var buffer = [UInt8](repeating: 0, count: chunkBytes)
        let width = info.width, height = info.height
        var problem: ImageError?
        image.pixels.withUnsafeMutableBufferPointer { out in
            buffer.withUnsafeMutableBytes { raw in
                let samples = raw.bindMemory(to: P.self)
                if info.tiled {
                    let tilesAcross = (width + info.tileWidth - 1) / info.tileWidth
                    let tilesDown = (height + info.tileHeight - 1) / info.tileHeight
                    let tilesPerPlane = tilesAcross * tilesDown
                    for ty in 0..<tilesDown {
                        for tx in 0..<tilesAcross {
                            let index = planeOffset * tilesPerPlane + ty * tilesAcross + tx
                            if TIFFReadEncodedTile(tif, UInt32(index), raw.baseAddress, tmsize_t(chunkBytes)) < 0 {
                                problem = failure(path: path, messages: messages, fallback: "cannot decode tile \(index)")
                                return
                            }
                            let x0 = tx * info.tileWidth, y0 = ty * info.tileHeight
                            let w = min(info.tileWidth, width - x0), h = min(info.tileHeight, height - y0)
                            for row in 0..<h {
                                let src = row * info.tileWidth * spp + pick
                                let dst = (y0 + row) * width + x0
                                for x in 0..<w { out[dst + x] = samples[src + x * spp] }
                            }
                        }
                    }
                } else {
                    let stripsPerPlane = (height + info.rowsPerStrip - 1) / info.rowsPerStrip
                    for s in 0..<stripsPerPlane {
                        let index = planeOffset * stripsPerPlane + s
                        let y0 = s * info.rowsPerStrip
                        let rows = min(info.rowsPerStrip, height - y0)
                        let want = rows * width * spp * MemoryLayout<P>.size
                        if TIFFReadEncodedStrip(tif, UInt32(index), raw.baseAddress, tmsize_t(want)) < 0 {
                            problem = failure(path: path, messages: messages, fallback: "cannot decode strip \(index)")
                            return
                        }
                        let dst = y0 * width
                        if spp == 1 {
                            UnsafeMutableRawPointer(out.baseAddress! + dst).copyMemory(from: raw.baseAddress!, byteCount: rows * width * MemoryLayout<P>.size)
                        } else {
                            for i in 0..<(rows * width) { out[dst + i] = samples[i * spp + pick] }
                        }
                    }
                }
            }
        }
        if let problem { throw problem }
        if messages.error_count > 0 { throw failure(path: path, messages: messages, fallback: "decode error") }
        return image
    }

    /// Turns libtiff's first error message into an ``ImageError``.
    static func failure(path: String, messages: cellar_tiff_messages, fallback: String) -> ImageError {
        var copy = messages
        let text = messages.error_count > 0
            ? withUnsafeBytes(of: &copy.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            : fallback
        let lower = text.lowercased()
        if lower.contains("read error") || lower.contains("unexpected end") || lower.contains("past end") || lower.contains("cannot read") && lower.contains("directory") {
            return ImageError(path: path, kind: .truncated(text))
        }
        if lower.contains("memory") || lower.contains("exceeds") {
            return ImageError(path: path, kind: .unsupported(text))
        }
        return ImageError(path: path, kind: .corrupt(text))
    }
}

/// A readable name for common TIFF compression codes.
func compressionName(_ code: UInt16) -> String {
    switch Int32(code) {
    case COMPRESSION_JPEG, COMPRESSION_OJPEG: " (JPEG)"
    case 34712: " (JPEG 2000)"
    case COMPRESSION_JBIG: " (JBIG)"
    case COMPRESSION_WEBP: " (WebP)"
    case COMPRESSION_ZSTD: " (Zstandard)"
    case COMPRESSION_LZMA: " (LZMA)"
    case 50000...50002: " (JPEG XL)"
    default: ""
    }
}
