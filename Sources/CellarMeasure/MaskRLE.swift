import CellarImage

/// Errors decoding a mask RLE.
public enum MaskRLEError: Error, Sendable, Equatable {
    /// The bytes end inside a varint.
    case truncatedVarint
    /// A varint does not fit in 63 bits.
    case varintOverflow
    /// The runs cover more pixels than the bounding box holds.
    case runsExceedBox
    /// The box has a negative size.
    case invalidBox
}

/// Unsigned LEB128 varints: 7 bits per byte, least significant group first, high bit set on
/// every byte but the last.
public enum LEB128 {
    /// Appends `value` to `out`. O(bytes).
    @inlinable
    public static func append(_ value: Int, to out: inout [UInt8]) {
        var v = UInt(bitPattern: value)
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// Reads one varint at `index` (advancing it). O(bytes).
    @inlinable
    public static func read<C: RandomAccessCollection>(_ bytes: C, at index: inout C.Index) throws(MaskRLEError) -> Int
    where C.Element == UInt8 {
        var result: UInt = 0
        var shift: UInt = 0
        while true {
            guard index < bytes.endIndex else { throw .truncatedVarint }
            let b = bytes[index]
            bytes.formIndex(after: &index)
            if shift >= 63 || (shift == 56 && b > 0x7f) { throw .varintOverflow }
            result |= UInt(b & 0x7f) << shift
            if b & 0x80 == 0 { break }
            shift += 7
        }
        guard result <= UInt(Int.max) else { throw .varintOverflow }
        return Int(result)
    }
}

/// One object's mask: its bounding box (full-image pixel coordinates, `x`,`y` = top-left,
/// inclusive) and the run lengths over the box (DESIGN.md "Mask RLE").
///
/// Format of `rle`: the box's `width × height` pixels taken row-major; runs alternate
/// background, foreground, background, … starting with a background run (0 when the first
/// pixel of the box is set); each run length is an unsigned LEB128 varint. The last run is a
/// foreground run: pixels after it, to the end of the box, are background (no trailing
/// background run is stored). Runs continue across box rows (a run is not split at a row
/// end). An empty mask has an empty `rle`.
public struct CellMask: Sendable, Hashable {
    /// The label value of the object (its `Number_Object_Number`).
    public var objectNumber: UInt32
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    /// Encoded runs (may be a slice of a ``MaskTable``'s shared buffer).
    public var rle: ArraySlice<UInt8>

    public init(objectNumber: UInt32, x: Int, y: Int, width: Int, height: Int, rle: ArraySlice<UInt8>) {
        self.objectNumber = objectNumber
        self.x = x; self.y = y; self.width = width; self.height = height
        self.rle = rle
    }

    /// Encodes a box bitmap (`width × height` flags, row-major). The box is stored as given
    /// (it need not be tight). O(width × height).
    public static func encode(objectNumber: UInt32, x: Int, y: Int, width: Int, height: Int,
                              bitmap: [Bool]) -> CellMask {
        precondition(bitmap.count == width * height, "bitmap size mismatch")
        var enc = RunEncoder()
        var out: [UInt8] = []
        var i = 0
        let n = bitmap.count
        while i < n {
            if bitmap[i] {
                var j = i + 1
                while j < n && bitmap[j] { j += 1 }
                enc.add(start: i, length: j - i, to: &out)
                i = j
            } else { i += 1 }
        }
        enc.finish(to: &out)
        return CellMask(objectNumber: objectNumber, x: x, y: y, width: width, height: height, rle: out[...])
    }

    /// Calls `body(start, length)` for each foreground run, `start` counted row-major within the
    /// box. Throws on malformed data. O(bytes).
    public func forEachRun(_ body: (_ start: Int, _ length: Int) -> Void) throws(MaskRLEError) {
        guard width >= 0, height >= 0 else { throw .invalidBox }
        let total = width * height
        var idx = rle.startIndex
        var pos = 0
        while idx < rle.endIndex {
            let bg = try LEB128.read(rle, at: &idx)
            pos += bg
            guard idx < rle.endIndex else {
                // A trailing background run is tolerated as long as it stays in the box.
                guard pos <= total else { throw .runsExceedBox }
                return
            }
            let fg = try LEB128.read(rle, at: &idx)
            guard pos + fg <= total else { throw .runsExceedBox }
            if fg > 0 { body(pos, fg) }
            pos += fg
        }
    }

    /// The box bitmap, row-major. O(width × height).
    public func decodeBitmap() throws(MaskRLEError) -> [Bool] {
        guard width >= 0, height >= 0 else { throw .invalidBox }
        var bits = [Bool](repeating: false, count: width * height)
        try forEachRun { s, l in for k in s..<(s + l) { bits[k] = true } }
        return bits
    }

    /// Number of foreground pixels. O(bytes).
    public func area() throws(MaskRLEError) -> Int {
        var a = 0
        try forEachRun { _, l in a += l }
        return a
    }
}

/// Builds an RLE from foreground runs given in increasing order (merging touching runs).
@usableFromInline
struct RunEncoder {
    @usableFromInline var cursor = 0        // first pixel after the last emitted/pending run
    @usableFromInline var pendingStart = -1 // start of the pending foreground run, -1 if none
    @usableFromInline var pendingLength = 0

    @usableFromInline init() {}

    /// Adds a foreground run `[start, start+length)`; `start` ≥ the end of the previous run.
    @inlinable @inline(__always)
    mutating func add(start: Int, length: Int, to out: inout [UInt8]) {
        if pendingStart >= 0 && pendingStart + pendingLength == start {
            pendingLength += length
            return
        }
        flush(to: &out)
        pendingStart = start
        pendingLength = length
    }

    @inlinable @inline(__always)
    mutating func flush(to out: inout [UInt8]) {
        guard pendingStart >= 0 else { return }
        LEB128.append(pendingStart - cursor, to: &out)
        LEB128.append(pendingLength, to: &out)
        cursor = pendingStart + pendingLength
        pendingStart = -1
        pendingLength = 0
    }

    @inlinable
    mutating func finish(to out: inout [UInt8]) { flush(to: &out) }
}

/// The masks of one field's objects, stored contiguously: one byte buffer for all RLEs plus
/// per-object boxes and offsets (no allocation per object). Element `i` is a ``CellMask``
/// whose `rle` is a slice of the shared buffer.
public struct MaskTable: Sendable, RandomAccessCollection {
    public private(set) var objectNumbers: [UInt32] = []
    /// Per object `x, y, width, height`, flattened (4 entries per object).
    public private(set) var boxes: [Int32] = []
    /// `rleOffsets[i] ..< rleOffsets[i+1]` is object `i`'s RLE within `rleBytes`.
    public private(set) var rleOffsets: [Int] = [0]
    public private(set) var rleBytes: [UInt8] = []

    public init() {}

    /// Reserves room for `objects` masks and `bytes` RLE bytes.
    public mutating func reserve(objects: Int, bytes: Int) {
        objectNumbers.reserveCapacity(objects)
        boxes.reserveCapacity(objects * 4)
        rleOffsets.reserveCapacity(objects + 1)
        rleBytes.reserveCapacity(bytes)
    }

    /// Appends a mask.
    public mutating func append(_ m: CellMask) {
        objectNumbers.append(m.objectNumber)
        boxes.append(contentsOf: [Int32(m.x), Int32(m.y), Int32(m.width), Int32(m.height)])
        rleBytes.append(contentsOf: m.rle)
        rleOffsets.append(rleBytes.count)
    }

    /// Appends a mask whose runs (row-major within the box, increasing, non-overlapping) are
    /// produced by `runs`, which calls its argument once per foreground run.
    mutating func appendRuns(objectNumber: UInt32, x: Int, y: Int, width: Int, height: Int,
                             runs: (_ emit: (_ start: Int, _ length: Int) -> Void) -> Void) {
        objectNumbers.append(objectNumber)
        boxes.append(Int32(x)); boxes.append(Int32(y)); boxes.append(Int32(width)); boxes.append(Int32(height))
        var enc = RunEncoder()
        runs { s, l in enc.add(start: s, length: l, to: &rleBytes) }
        enc.finish(to: &rleBytes)
        rleOffsets.append(rleBytes.count)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { objectNumbers.count }

    public subscript(i: Int) -> CellMask {
        CellMask(objectNumber: objectNumbers[i],
                 x: Int(boxes[4 * i]), y: Int(boxes[4 * i + 1]),
                 width: Int(boxes[4 * i + 2]), height: Int(boxes[4 * i + 3]),
                 rle: rleBytes[rleOffsets[i]..<rleOffsets[i + 1]])
    }

    /// Mean RLE bytes per object (excluding the box).
    public var meanBytesPerMask: Double {
        count == 0 ? 0 : Double(rleBytes.count) / Double(count)
    }
}

/// Label images rebuilt from masks.
public enum LabelImage {
    /// A `width × height` label image with each mask's pixels set to its object number
    /// (0 elsewhere; later masks overwrite earlier ones). Pixels outside the image are an
    /// error. O(width × height + mask pixels).
    public static func rebuild<S: Sequence>(width: Int, height: Int, masks: S) throws(MaskRLEError) -> Image<UInt32>
    where S.Element == CellMask {
        var img = Image<UInt32>(width: width, height: height)
        for m in masks {
            guard m.x >= 0, m.y >= 0, m.width >= 0, m.height >= 0,
                  m.x + m.width <= width, m.y + m.height <= height else { throw .invalidBox }
            let label = m.objectNumber
            let bw = m.width
            try img.pixels.withUnsafeMutableBufferPointer { (px: inout UnsafeMutableBufferPointer<UInt32>) throws(MaskRLEError) in
                try m.forEachRun { start, length in
                    var s = start
                    var remaining = length
                    while remaining > 0 {
                        let row = s / bw, col = s - row * bw
                        let n = min(remaining, bw - col)
                        let base = (m.y + row) * width + m.x + col
                        for k in 0..<n { px[base + k] = label }
                        s += n; remaining -= n
                    }
                }
            }
        }
        return img
    }
}
