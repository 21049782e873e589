import CImageIO

/// How to reduce a multi-channel image (PNG or TIFF) to one channel.
public enum ChannelSelection: Sendable, Equatable {
    /// One sample of each pixel: 0 = gray or red, 1 = green, ...
    case index(Int)
    /// ITU-R 601 luma `0.299 R + 0.587 G + 0.114 B`, rounded (gray stays gray).
    case luminance
    /// The largest of R, G and B (gray stays gray; a stain shown in any one colour keeps its values).
    case maximum
}

/// How an RGB image becomes one channel (`--rgb`): a named `ChannelSelection`.
public enum RGBConversion: String, Sendable, Codable, CaseIterable {
    case red, green, blue, luminance, max

    public var selection: ChannelSelection {
        switch self {
        case .red: .index(0)
        case .green: .index(1)
        case .blue: .index(2)
        case .luminance: .luminance
        case .max: .maximum
        }
    }
}

/// PNG decoding and encoding through libpng (errors via setjmp in the C shim).
enum PNGCodec {
    /// Reads any PNG (gray, gray+alpha, RGB, RGBA, palette, 1–16 bits,
    /// interlaced) as one 8- or 16-bit channel. O(width × height).
    static func read(path: String, channel: ChannelSelection, maxDimension: Int,
                     samplesPerPixel: inout Int) throws(ImageError) -> AnyImage {
        var decoded = cellar_png_image()
        var message = [CChar](repeating: 0, count: 512)
        let status = cellar_png_read(path, UInt32(clamping: maxDimension), &decoded, &message, message.count)
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard status == 0, let base = decoded.pixels else {
            let lower = text.lowercased()
            switch status {
            case 1: throw ImageError(path: path, kind: .notAnImage(text))
            case 4: throw ImageError(path: path, kind: .io(text))
            default:
                if lower.contains("exceeds user limit") || lower.contains("too large") {
                    throw ImageError(path: path, kind: .unsupported("image dimensions over the limit of \(maxDimension) per side (\(text))"))
                }
                if lower.contains("read error") || lower.contains("not enough") || lower.contains("truncated") || lower.contains("eof") {
                    throw ImageError(path: path, kind: .truncated(text))
                }
                throw ImageError(path: path, kind: .corrupt(text))
            }
        }
        defer { cellar_free(base) }
        let width = Int(decoded.width), height = Int(decoded.height), channels = Int(decoded.channels)
        samplesPerPixel = channels
        if decoded.bit_depth == 16 {
            let samples = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt16.self), count: width * height * channels)
            return .uint16(extract(samples, width: width, height: height, channels: channels, selection: channel))
        }
        let samples = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: width * height * channels)
        return .uint8(extract(samples, width: width, height: height, channels: channels, selection: channel))
    }

    private static func extract<P: PixelValue & FixedWidthInteger>(_ samples: UnsafeBufferPointer<P>, width: Int, height: Int,
                                                                  channels: Int, selection: ChannelSelection) -> Image<P> {
        let count = width * height
        let colour = channels >= 3
        switch selection {
        case .luminance where colour, .maximum where colour:
            let pixels = [P](unsafeUninitializedCapacity: count) { out, initialized in
                combineRGB(samples, stride: channels, count: count, selection: selection, into: out)
                initialized = count
            }
            return Image(width: width, height: height, pixels: pixels)
        default:
            var pick = 0
            if case .index(let k) = selection { pick = min(max(k, 0), channels - 1) }
            if channels == 1 { return Image(width: width, height: height, pixels: Array(samples)) }
            let pixels = [P](unsafeUninitializedCapacity: count) { out, initialized in
                for i in 0..<count { out[i] = samples[i * channels + pick] }
                initialized = count
            }
            return Image(width: width, height: height, pixels: pixels)
        }
    }

    /// Writes interleaved samples: 1 = gray, 2 = gray+alpha, 3 = RGB, 4 = RGBA.
    static func write<P: FixedWidthInteger>(_ samples: [P], width: Int, height: Int, channels: Int, path: String) throws(ImageError) {
        precondition(samples.count == width * height * channels, "sample count does not match \(width)×\(height)×\(channels)")
        var message = [CChar](repeating: 0, count: 512)
        let status = samples.withUnsafeBytes {
            cellar_png_write(path, $0.baseAddress, UInt32(width), UInt32(height), Int32(P.bitWidth), Int32(channels), 3, &message, message.count)
        }
        if status != 0 {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ImageError(path: path, kind: .io(text), writing: true)
        }
    }
}

/// `out[i]` = luma or maximum of the R, G, B samples of pixel `i` (samples `stride` apart).
/// O(count).
func combineRGB<P: FixedWidthInteger>(_ samples: UnsafeBufferPointer<P>, stride: Int, count: Int,
                                      selection: ChannelSelection, into out: UnsafeMutableBufferPointer<P>) {
    if selection == .maximum {
        for i in 0..<count {
            let j = i * stride
            out[i] = max(samples[j], samples[j + 1], samples[j + 2])
        }
    } else {
        for i in 0..<count {
            let j = i * stride
            let r = Double(samples[j]), g = Double(samples[j + 1]), b = Double(samples[j + 2])
            out[i] = P((0.299 * r + 0.587 * g + 0.114 * b).rounded())
        }
    }
}
