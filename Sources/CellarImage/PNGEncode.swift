import CImageIO

/// In-memory PNG encoding, for images that are sent rather than saved (the web viewer).
public enum PNGEncoder {
    /// How hard zlib works: `fast` (level 1, Sub filter) for interactive images, `small`
    /// (level 6, adaptive filters) for thumbnails that are cached.
    public enum Effort: Sendable {
        case fast, small
    }

    /// Encodes 8-bit interleaved samples (`channels` 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) as
    /// PNG bytes. O(width × height × channels).
    public static func encode(_ samples: [UInt8], width: Int, height: Int, channels: Int,
                              effort: Effort = .fast) throws(ImageError) -> [UInt8] {
        precondition(samples.count == width * height * channels, "sample count does not match \(width)×\(height)×\(channels)")
        var message = [CChar](repeating: 0, count: 512)
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        // PNG_FILTER_SUB = 0x10; 0 lets libpng choose (adaptive).
        let (level, filter): (Int32, Int32) = effort == .fast ? (1, 0x10) : (6, 0)
        let status = samples.withUnsafeBytes {
            cellar_png_encode($0.baseAddress, UInt32(width), UInt32(height), 8, Int32(channels), level, filter,
                              &out, &length, &message, message.count)
        }
        defer { cellar_free(out) }
        guard status == 0, let out else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ImageError(path: "<memory>", kind: .io(text), writing: true)
        }
        return Array(UnsafeBufferPointer(start: out, count: length))
    }
}
