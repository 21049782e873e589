import Foundation

/// Natural key of a field: plate name, well row and column (1-based), imaging site (1-based).
///
/// This is the key that leaves a database (exports, merges); surrogate ids never do.
public struct FieldKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var plate: String
    /// Well row, 1 = `A`, 26 = `Z`, 27 = `AA` (1536-well plates have 32 rows).
    public var row: Int
    /// Well column, 1-based.
    public var column: Int
    /// Imaging site within the well, 1-based.
    public var site: Int

    public init(plate: String, row: Int, column: Int, site: Int) {
        self.plate = plate
        self.row = row
        self.column = column
        self.site = site
    }

    /// The usual well label: row letters and a two-digit column, e.g. `B03`, `AF48`.
    public var wellName: String { FieldKey.wellName(row: row, column: column) }

    /// `P1/B03/2`, the form the CLI accepts (`--field P1/B03/2`).
    public var description: String { "\(plate)/\(wellName)/\(site)" }

    /// Well label for a 1-based row and column: `wellName(row: 2, column: 3) == "B03"`.
    public static func wellName(row: Int, column: Int) -> String {
        var letters = ""
        var r = max(row, 1)
        while r > 0 {
            let digit = (r - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + digit))) + letters
            r = (r - 1) / 26
        }
        let col = column < 10 ? "0\(column)" : "\(column)"
        return letters + col
    }

    /// Parses `P1/B03/2` (plate names may contain `/`: the last two components are well and site).
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3, let site = Int(parts[parts.count - 1]), site >= 1 else { return nil }
        let well = parts[parts.count - 2]
        let letters = well.prefix { $0.isASCII && $0.isLetter }
        guard !letters.isEmpty, let column = Int(well.dropFirst(letters.count)), column >= 1 else { return nil }
        var row = 0
        for ch in letters.uppercased().unicodeScalars { row = row * 26 + Int(ch.value) - 64 }
        let plate = parts[0 ..< parts.count - 2].joined(separator: "/")
        guard !plate.isEmpty else { return nil }
        self.init(plate: plate, row: row, column: column, site: site)
    }

    public static func < (a: FieldKey, b: FieldKey) -> Bool {
        (a.plate, a.row, a.column, a.site) < (b.plate, b.row, b.column, b.site)
    }
}

/// One source file of a field (one channel).
public struct ImageRecord: Hashable, Sendable {
    /// Channel name as the layout reports it (`DNA`, `w1`, …).
    public var channel: String
    public var path: String
    /// File size in bytes.
    public var bytes: Int64
    /// Modification time, seconds since 1970 UTC.
    public var mtime: Double
    /// Identity/content fingerprint computed by the ingester; compared for idempotency.
    public var fingerprint: String
    public var width: Int?
    public var height: Int?
    public var bits: Int?

    public init(channel: String, path: String, bytes: Int64, mtime: Double, fingerprint: String,
                width: Int? = nil, height: Int? = nil, bits: Int? = nil) {
        self.channel = channel
        self.path = path
        self.bytes = bytes
        self.mtime = mtime
        self.fingerprint = fingerprint
        self.width = width
        self.height = height
        self.bits = bits
    }
}

/// One cell mask: bounding box plus run lengths over the box (row-major, starting with a
/// background run, alternating) as unsigned LEB128 varints. The store does not decode it.
public struct StoredMask: Hashable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    public var rle: ArraySlice<UInt8>

    public init(x: Int, y: Int, width: Int, height: Int, rle: ArraySlice<UInt8>) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.rle = rle
    }
}

/// The masks of a field's cells, stored contiguously (no allocation per cell): the same layout
/// as CellarMeasure's `MaskTable`, so handing its arrays over copies nothing.
///
/// Mask `i` (cell `i`, object number `i + 1`) has box `boxes[4i ..< 4i+4]` = x, y, width,
/// height and RLE bytes `rleBytes[rleOffsets[i] ..< rleOffsets[i+1]]`.
public struct StoredMasks: Hashable, Sendable, RandomAccessCollection {
    public var boxes: [Int32]
    /// `count + 1` offsets, starting at 0, non-decreasing, ending at `rleBytes.count`.
    public var rleOffsets: [Int]
    public var rleBytes: [UInt8]

    public init(boxes: [Int32], rleOffsets: [Int], rleBytes: [UInt8]) {
        self.boxes = boxes
        self.rleOffsets = rleOffsets
        self.rleBytes = rleBytes
    }

    /// No masks (a field stored without them).
    public init() { self.init(boxes: [], rleOffsets: [0], rleBytes: []) }

    /// Appends one mask. Amortised O(rle bytes).
    public mutating func append(x: Int, y: Int, width: Int, height: Int, rle: some Collection<UInt8>) {
        boxes.append(Int32(x)); boxes.append(Int32(y)); boxes.append(Int32(width)); boxes.append(Int32(height))
        rleBytes.append(contentsOf: rle)
        rleOffsets.append(rleBytes.count)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { Swift.max(rleOffsets.count - 1, 0) }

    public subscript(i: Int) -> StoredMask {
        StoredMask(x: Int(boxes[4 * i]), y: Int(boxes[4 * i + 1]),
                   width: Int(boxes[4 * i + 2]), height: Int(boxes[4 * i + 3]),
                   rle: rleBytes[rleOffsets[i] ..< rleOffsets[i + 1]])
    }

    /// Whether boxes and offsets agree with each other. O(count).
    var isWellFormed: Bool {
        if rleOffsets.isEmpty { return boxes.isEmpty && rleBytes.isEmpty }
        guard let first = rleOffsets.first, first == 0, rleOffsets.last == rleBytes.count,
              boxes.count == 4 * count else { return false }
        return rleOffsets.withUnsafeBufferPointer { o in
            var ok = true
            for i in 1 ..< o.count { ok = ok && o[i] >= o[i - 1] }
            return ok
        }
    }
}

/// A finished field as the workers hand it to the writer.
///
/// Cell `i` (0-based) is object number `i + 1` (if a `*_Number_Object_Number` column is given,
/// its values must say so). `values` is row-major, `cellCount × featureColumns.count`; NaN is
/// stored as NULL.
public struct IngestedField: Sendable {
    public var key: FieldKey
    public var images: [ImageRecord]
    public var cellCount: Int
    /// CellProfiler feature names, e.g. `Nuclei_AreaShape_Area`; each must be a column of `cell`
    /// or a per-channel variant of a `*_DNA` column (added on first use, see `schema/`).
    public var featureColumns: [String]
    public var values: [Double]
    /// One mask per cell, or empty when masks are not stored.
    public var masks: StoredMasks

    public init(key: FieldKey, images: [ImageRecord], cellCount: Int, featureColumns: [String],
                values: [Double], masks: StoredMasks) {
        self.key = key
        self.images = images
        self.cellCount = cellCount
        self.featureColumns = featureColumns
        self.values = values
        self.masks = masks
    }
}

/// What a `failure` row is about (`failure.kind`, `schema/0003_run_history.sql`).
public enum FailureKind: String, Sendable, Hashable, CaseIterable {
    /// A field could not be processed; its row says `failed`.
    case field
    /// Two files name the same plate, well, site and channel; neither was used.
    case duplicate
    /// An image file whose name no layout places.
    case unmatched
    /// A field whose DNA image never arrived.
    case missingDNA = "missing_dna"
    /// A file that vanished or changed while a one-shot ingest let it settle.
    case skipped
}

/// Input that could not be processed. With a `field`, the field is marked `failed` (its old
/// cells are removed) and its `images` are recorded so an unchanged bad file is not retried.
public struct FailureRecord: Sendable, Hashable {
    public var path: String
    public var reason: String
    public var kind: FailureKind
    public var field: FieldKey?
    public var images: [ImageRecord]

    public init(path: String, reason: String, kind: FailureKind = .field, field: FieldKey? = nil,
                images: [ImageRecord] = []) {
        self.path = path
        self.reason = reason
        self.kind = kind
        self.field = field
        self.images = images
    }
}

/// The settings a writer session runs under; becomes a `run` row on the first commit.
public struct RunInfo: Sendable, Hashable {
    /// Cellar version string.
    public var version: String
    /// Parameters as JSON (stored verbatim).
    public var parametersJSON: String
    /// Hash of the canonical parameters; fields processed with another hash are re-processed.
    public var parametersHash: String

    public init(version: String, parametersJSON: String, parametersHash: String) {
        self.version = version
        self.parametersJSON = parametersJSON
        self.parametersHash = parametersHash
    }
}

/// ISO 8601 UTC with milliseconds, the format of every time column.
enum Timestamp {
    static func now() -> String { format(Date()) }

    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
