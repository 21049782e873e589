/// A pixel type an ``Image`` can hold.
public protocol PixelValue: Sendable, Equatable, Hashable {
    /// The value of an unset pixel.
    static var zero: Self { get }
    /// Bits per sample in files (8, 16 or 32).
    static var bitDepth: Int { get }
    /// Whether the samples are IEEE floats rather than unsigned integers.
    static var isFloatingPoint: Bool { get }
    /// The pixel as a `Float`, unscaled.
    var floatValue: Float { get }
}

extension UInt8: PixelValue {
    public static var bitDepth: Int { 8 }
    public static var isFloatingPoint: Bool { false }
    @inlinable public var floatValue: Float { Float(self) }
}

extension UInt16: PixelValue {
    public static var bitDepth: Int { 16 }
    public static var isFloatingPoint: Bool { false }
    @inlinable public var floatValue: Float { Float(self) }
}

extension UInt32: PixelValue {
    public static var bitDepth: Int { 32 }
    public static var isFloatingPoint: Bool { false }
    @inlinable public var floatValue: Float { Float(self) }
}

extension Float: PixelValue {
    public static var bitDepth: Int { 32 }
    public static var isFloatingPoint: Bool { true }
    @inlinable public var floatValue: Float { self }
}

/// A single-channel image: `width × height` pixels, row-major and contiguous.
///
/// Pixel `(x, y)` is `pixels[y * width + x]`. Hot loops should use
/// `pixels.withUnsafeBufferPointer` rather than the subscript.
public struct Image<Pixel: PixelValue>: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [Pixel]

    /// An image filled with one value. O(width × height).
    public init(width: Int, height: Int, fill: Pixel = .zero) {
        precondition(width >= 0 && height >= 0, "negative image size")
        self.width = width
        self.height = height
        self.pixels = Array(repeating: fill, count: width * height)
    }

    /// Wraps existing row-major pixels; `pixels.count` must be `width * height`.
    public init(width: Int, height: Int, pixels: [Pixel]) {
        precondition(pixels.count == width * height, "pixel count \(pixels.count) != \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Number of pixels.
    @inlinable public var count: Int { width * height }

    @inlinable public subscript(x: Int, y: Int) -> Pixel {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// The image converted pixel by pixel to another type. O(width × height).
    public func map<T: PixelValue>(_ transform: (Pixel) -> T) -> Image<T> {
        Image<T>(width: width, height: height, pixels: pixels.map(transform))
    }
}

/// An image read from a file, in the sample type the file holds.
public enum AnyImage: Sendable, Equatable {
    case uint8(Image<UInt8>)
    case uint16(Image<UInt16>)
    case float32(Image<Float>)

    public var width: Int {
        switch self {
        case .uint8(let i): i.width
        case .uint16(let i): i.width
        case .float32(let i): i.width
        }
    }

    public var height: Int {
        switch self {
        case .uint8(let i): i.height
        case .uint16(let i): i.height
        case .float32(let i): i.height
        }
    }

    /// Bits per sample of the source: 8, 16 or 32.
    public var bitDepth: Int {
        switch self {
        case .uint8: 8
        case .uint16: 16
        case .float32: 32
        }
    }

    /// The value that maps to 1.0 on CellProfiler's intensity scale:
    /// 255 for 8-bit, 65535 for 16-bit, 1 for float images.
    public var fullScale: Float {
        switch self {
        case .uint8: 255
        case .uint16: 65535
        case .float32: 1
        }
    }

    /// The pixels as `Float`, unscaled. O(width × height).
    public func floatImage() -> Image<Float> {
        switch self {
        case .uint8(let i): i.map { Float($0) }
        case .uint16(let i): i.map { Float($0) }
        case .float32(let i): i
        }
    }

    /// Smallest and largest pixel value (0, 0 for an empty image). O(width × height), one
    /// vectorisable pass.
    public var range: (min: Double, max: Double) {
        func span<P: Comparable & Sendable>(_ p: [P], _ d: (P) -> Double) -> (Double, Double) {
            guard var lo = p.first else { return (0, 0) }
            var hi = lo
            for v in p { lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
            return (d(lo), d(hi))
        }
        switch self {
        case .uint8(let i): return span(i.pixels) { Double($0) }
        case .uint16(let i): return span(i.pixels) { Double($0) }
        case .float32(let i): return span(i.pixels) { Double($0) }
        }
    }

    /// Sum of all pixel values (as `Double`), handy for checksums and tests.
    public func pixelSum() -> Double {
        switch self {
        case .uint8(let i): Double(i.pixels.reduce(0) { $0 &+ UInt64($1) })
        case .uint16(let i): Double(i.pixels.reduce(0) { $0 &+ UInt64($1) })
        case .float32(let i): i.pixels.reduce(0.0) { $0 + Double($1) }
        }
    }

    /// The pixels' little-endian bytes, row-major (the layout numpy's `tobytes()` gives).
    public func littleEndianBytes() -> [UInt8] {
        switch self {
        case .uint8(let i): return i.pixels
        case .uint16(let i):
            var out = [UInt8](); out.reserveCapacity(i.count * 2)
            for v in i.pixels { out.append(UInt8(v & 0xff)); out.append(UInt8(v >> 8)) }
            return out
        case .float32(let i):
            var out = [UInt8](); out.reserveCapacity(i.count * 4)
            for v in i.pixels { let b = v.bitPattern; for s in stride(from: 0, to: 32, by: 8) { out.append(UInt8((b >> UInt32(s)) & 0xff)) } }
            return out
        }
    }
}
