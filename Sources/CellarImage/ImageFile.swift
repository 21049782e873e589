/// Reading and writing image files: the one entry point for TIFF and PNG.
public enum ImageFile {
    /// Largest width or height accepted by default; larger files are refused
    /// before any pixel memory is allocated.
    public static let defaultMaxDimension = 32768

    /// Reads one channel of one page of a TIFF or PNG file, in the sample type
    /// the file holds. The format is told by the first bytes, not the name.
    ///
    /// - Parameters:
    ///   - page: TIFF page (directory), 0 = first.
    ///   - channel: which sample of multi-channel files to keep (default first);
    ///     `.luminance` and `.maximum` combine R, G and B (8/16-bit colour files).
    /// - Throws: ``ImageError`` naming the file and the cause.
    /// - Complexity: O(width × height).
    public static func read(_ path: String, page: Int = 0, channel: ChannelSelection = .index(0),
                            maxDimension: Int = defaultMaxDimension) throws(ImageError) -> AnyImage {
        var samples = 1
        return try read(path, page: page, channel: channel, maxDimension: maxDimension, samplesPerPixel: &samples)
    }

    /// `read`, also telling how many samples per pixel the file holds (3 or 4: colour).
    public static func read(_ path: String, page: Int = 0, channel: ChannelSelection,
                            maxDimension: Int = defaultMaxDimension, samplesPerPixel: inout Int) throws(ImageError) -> AnyImage {
        let header = try FileHeader(path: path, count: 24)
        switch header.format {
        case .tiff, .bigTIFF:
            return try TIFFReader.read(path: path, header: header, page: page, selection: channel, maxDimension: maxDimension,
                                       samplesPerPixel: &samplesPerPixel)
        case .png:
            if let (w, h) = header.pngDimensions, w > maxDimension || h > maxDimension {
                throw ImageError(path: path, kind: .tooLarge(width: w, height: h, limit: maxDimension))
            }
            if page != 0 { throw ImageError(path: path, kind: .noSuchPage(requested: page, pages: 1)) }
            return try PNGCodec.read(path: path, channel: channel, maxDimension: maxDimension, samplesPerPixel: &samplesPerPixel)
        case nil:
            throw ImageError(path: path, kind: .notAnImage(describeMagic(header.bytes)))
        }
    }

    /// Reads a label image (0 = background, objects 1…N): 8- or 16-bit PNG or
    /// TIFF, or 32-bit unsigned TIFF (what Cellar writes past 65535 objects).
    /// Float images are refused. O(width × height).
    public static func readLabels(_ path: String, maxDimension: Int = defaultMaxDimension) throws(ImageError) -> Image<UInt32> {
        let header = try FileHeader(path: path, count: 24)
        let image: AnyImage
        switch header.format {
        case .tiff, .bigTIFF:
            switch try TIFFReader.readAny(path: path, header: header, page: 0, selection: .index(0), maxDimension: maxDimension, allowUInt32: true) {
            case .labels32(let labels): return labels
            case .image(let decoded): image = decoded
            }
        default:
            image = try read(path, maxDimension: maxDimension)
        }
        switch image {
        case .uint8(let i): return i.map { UInt32($0) }
        case .uint16(let i): return i.map { UInt32($0) }
        case .float32: throw ImageError(path: path, kind: .unsupported("a float image is not a label image"))
        }
    }

    /// Writes labels as a 16-bit TIFF, or 32-bit when an object number exceeds 65535.
    public static func writeLabelsTIFF(_ labels: Image<UInt32>, to path: String) throws(ImageError) {
        if labels.pixels.max() ?? 0 > UInt32(UInt16.max) {
            try writeTIFF(labels, to: path, compression: .deflate)
        } else {
            try writeTIFF(labels.map { UInt16($0) }, to: path, compression: .deflate)
        }
    }

    /// Writes a gray image as a single-page TIFF (8/16/32-bit unsigned or 32-bit float).
    public static func writeTIFF<P: PixelValue>(_ image: Image<P>, to path: String,
                                                compression: TIFFCompression = .none) throws(ImageError) {
        try TIFFWriter.write(image.pixels, width: image.width, height: image.height, samplesPerPixel: 1,
                             compression: compression, path: path)
    }

    /// Writes several same-sized gray images as the pages of one TIFF.
    public static func writeTIFF<P: PixelValue>(pages: [Image<P>], to path: String,
                                                compression: TIFFCompression = .none) throws(ImageError) {
        guard let first = pages.first else { return }
        precondition(pages.allSatisfy { $0.width == first.width && $0.height == first.height }, "pages differ in size")
        try TIFFWriter.write(pages: pages.map(\.pixels), width: first.width, height: first.height, samplesPerPixel: 1,
                             compression: compression, path: path)
    }

    /// Writes 8-bit RGB (`rgb` interleaved, 3 bytes per pixel) as a TIFF.
    public static func writeTIFFRGB(_ rgb: [UInt8], width: Int, height: Int, to path: String,
                                    compression: TIFFCompression = .none) throws(ImageError) {
        try TIFFWriter.write(rgb, width: width, height: height, samplesPerPixel: 3, compression: compression, path: path)
    }

    /// Writes an 8-bit gray PNG.
    public static func writePNG(_ image: Image<UInt8>, to path: String) throws(ImageError) {
        try PNGCodec.write(image.pixels, width: image.width, height: image.height, channels: 1, path: path)
    }

    /// Writes a 16-bit gray PNG.
    public static func writePNG(_ image: Image<UInt16>, to path: String) throws(ImageError) {
        try PNGCodec.write(image.pixels, width: image.width, height: image.height, channels: 1, path: path)
    }

    /// Writes 8-bit RGB (3 bytes per pixel) as a PNG.
    public static func writePNGRGB(_ rgb: [UInt8], width: Int, height: Int, to path: String) throws(ImageError) {
        try PNGCodec.write(rgb, width: width, height: height, channels: 3, path: path)
    }

    /// Writes 8-bit RGBA (4 bytes per pixel) as a PNG.
    public static func writePNGRGBA(_ rgba: [UInt8], width: Int, height: Int, to path: String) throws(ImageError) {
        try PNGCodec.write(rgba, width: width, height: height, channels: 4, path: path)
    }
}

extension FileHeader {
    /// Width and height from a PNG's IHDR chunk (bytes 16–23).
    var pngDimensions: (Int, Int)? {
        guard format == .png, bytes.count >= 24 else { return nil }
        func be32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }
}
